import type { DocHandle } from '@automerge/automerge-repo'
import { DocFilesIndex } from '../../files/doc-files-index.ts'
import { FILES_DOC_KIND, type FilesDoc } from '../../files/files-doc.ts'
import type { FilesIndexChange, FilesIndexState } from '../../files/files-index.ts'
import type { WorkerWorkplace } from '../../crdt/documents-worker/worker-workplace.ts'
import type {
  WorkerExtension,
  WorkerExtensionRuntime,
} from '../../crdt/documents-worker/worker-extension.ts'
import { initialFilesDoc } from '../../files/files-doc.ts'
import { toPortError } from '../../crdt/documents-worker/documents-worker-protocol.ts'
import {
  checkToFilesWorker,
  FILES_FEATURE,
  type FilesCall,
  type FilesStateMessage,
  type FromFilesWorker,
} from './files-worker-protocol.ts'

interface OpenIndex {
  workplace: WorkerWorkplace
  number: number
  index: Promise<DocFilesIndex>
  opened?: DocFilesIndex
  off?: () => void
}

/** The file index as a feature of the documents worker (its entry passes this to it). */
export const filesWorkerExtension: WorkerExtension = {
  feature: FILES_FEATURE,
  kinds: new Map([[FILES_DOC_KIND, initialFilesDoc]]),
  start(context): WorkerExtensionRuntime {
    const post = (message: FromFilesWorker) => context.post(message)
    const files = new WorkerFiles({
      opened: (workplace) => context.changed(workplace),
      state: (workplace, index, why, state) =>
        post({ t: 'files-state', workplace, index, why, state }),
      failed: (workplace, index, error) => {
        const { name, message } = toPortError(error)
        post({ t: 'files-failed', workplace, index, error: { name, message } })
      },
    })
    return {
      receive(raw, reply) {
        const message = checkToFilesWorker(raw)
        switch (message.t) {
          case 'files-open': {
            const workplace = context.workplace(message.workplace)
            if (workplace) files.open(workplace, message.index)
            else console.warn(`files worker: no snapshot of workplace ${message.workplace}`)
            return
          }
          case 'files-call':
            return reply(message.id, () => files.call(message.workplace, message.call))
          case 'files-close':
            return reply(message.id, () => files.close(message.workplace))
        }
      },
      handles: (workplace) => files.handles(workplace),
      close: (workplace) => files.close(workplace),
      closeAll: () => files.closeAll(),
    }
  },
}

/**
 * The file index documents held in the documents worker: each a DocFilesIndex over the worker's
 * repo (its records signed and judged through the workplace's snapshot), whose state goes to
 * the page whenever it changes.
 */
class WorkerFiles {
  readonly #open = new Map<string, OpenIndex>()
  readonly #state: (
    workplace: string,
    index: number,
    why: FilesIndexChange,
    state: FilesStateMessage,
  ) => void
  readonly #failed: (workplace: string, index: number, error: unknown) => void
  readonly #opened: (workplace: string) => void

  constructor(options: {
    state: (
      workplace: string,
      index: number,
      why: FilesIndexChange,
      state: FilesStateMessage,
    ) => void
    failed: (workplace: string, index: number, error: unknown) => void
    /** An index's document is open, or changed (for the workplace's sync status). */
    opened: (workplace: string) => void
  }) {
    this.#state = options.state
    this.#failed = options.failed
    this.#opened = options.opened
  }

  /** The open indexes' documents of a workplace. */
  handles(workplace: string): DocHandle<unknown>[] {
    const handle = this.#open.get(workplace)?.opened?.handle
    return handle ? [handle as DocHandle<unknown>] : []
  }

  /** Opens a workplace's index (once); `number` names this opening to the page. */
  open(workplace: WorkerWorkplace, number: number): void {
    if (this.#open.has(workplace.id)) return
    const index = workplace
      .openDoc<FilesDoc>(FILES_DOC_KIND)
      .then((handle) => new DocFilesIndex(workplace, handle))
    const open: OpenIndex = { workplace, number, index }
    this.#open.set(workplace.id, open)
    index.then(
      (opened) => {
        if (this.#open.get(workplace.id) !== open) return opened.close()
        open.opened = opened
        open.off = opened.onChange((why) => {
          this.#send(open, why)
          this.#opened(workplace.id)
        })
        this.#send(open, 'doc')
        this.#opened(workplace.id)
      },
      (error: unknown) => {
        this.#failed(workplace.id, number, error)
        this.#open.delete(workplace.id)
      },
    )
  }

  /** Does what the page asked; the state it changed is sent before this resolves. */
  async call(workplace: string, call: FilesCall): Promise<unknown> {
    const open = this.#open.get(workplace)
    if (!open) throw new Error(`no file index open for workplace ${workplace}`)
    const index = await open.index
    switch (call.method) {
      case 'addVersion':
        if (call.entry.addedBy !== open.workplace.self)
          throw new Error('a version is added by this device only')
        return index.addVersion(call.entry, call.chunks)
      case 'writeOwn':
        return index.writeOwn(call.held, call.storage, call.now)
      case 'planReplicas':
        return index.planReplicas(call.input)
    }
  }

  async close(workplace: string): Promise<void> {
    const open = this.#open.get(workplace)
    if (!open) return
    this.#open.delete(workplace)
    open.off?.()
    open.opened?.close()
  }

  async closeAll(): Promise<void> {
    for (const workplace of [...this.#open.keys()]) await this.close(workplace)
  }

  #send(open: OpenIndex, why: FilesIndexChange): void {
    if (!open.opened || this.#open.get(open.workplace.id) !== open) return
    this.#state(open.workplace.id, open.number, why, stateMessage(open.opened.state()))
  }
}

/** The state as plain lists, for the port. */
export function stateMessage(state: FilesIndexState): FilesStateMessage {
  return {
    entries: [...state.entries],
    holdings: [...state.holdings].map(([fileId, byPeer]) => [fileId, [...byPeer]]),
    assigned: [...state.assigned],
  }
}
