import type { DocHandle } from '@automerge/automerge-repo'
import type { Workplace } from '../workplace/workplace.ts'
import type { WorkerWorkplace } from './worker-workplace.ts'

/**
 * A feature whose document the documents worker holds, supplied by a layer above this one (the
 * file index: src/app/files-worker). Its messages travel in `ext` envelopes named by `feature`;
 * each side checks what it receives itself.
 */
interface Extension {
  /** The feature's name in `inWorker` (say `files`). */
  readonly feature: string
  /** The root's document entries it holds, and their initial values. */
  readonly kinds: ReadonlyMap<string, () => unknown>
}

/** The worker's side of an extension. */
export interface WorkerExtension extends Extension {
  start(context: WorkerExtensionContext): WorkerExtensionRuntime
}

export interface WorkerExtensionContext {
  /** Sends the page a message of this feature. */
  post(message: unknown): void
  /** A workplace as the page last described it. */
  workplace(id: string): WorkerWorkplace | undefined
  /** A workplace's documents of this feature opened or changed (for its sync status). */
  changed(workplace: string): void
}

export interface WorkerExtensionRuntime {
  /**
   * A message of this feature from the page: checked here, throwing a ProtocolError if it does
   * not follow the feature's protocol. `reply` answers a call.
   */
  receive(message: unknown, reply: (id: number, work: () => Promise<unknown>) => void): void
  /** The feature's open documents of a workplace. */
  handles(workplace: string): DocHandle<unknown>[]
  /** Closes a workplace's documents of this feature (the workplace was left). */
  close(workplace: string): Promise<void>
  closeAll(): Promise<void>
}

/** The page's side of an extension (DocumentsWorkerHost attaches it as it starts). */
export interface HostExtension extends Extension {
  attach(channel: HostExtensionChannel): void
  /** A message of this feature from the worker, unchecked. */
  receive(message: unknown): void
  /** The worker failed: nothing of this feature will answer. */
  failed(error: Error): void
}

export interface HostExtensionChannel {
  post(message: unknown): void
  /** Sends the message `make` builds with a fresh call ID; resolves with the worker's reply. */
  call(make: (id: number) => unknown): Promise<unknown>
  /** Has the worker told of the workplace (its snapshot sent, if it changed). */
  tell(workplace: Workplace): void
  /** Why the worker failed, if it did. */
  failure(): Error | undefined
}
