import { Emitter } from '../../lib/emitter.ts'
import type {
  FilesIndex,
  FilesIndexChange,
  FilesIndexState,
  HeldFile,
  ReplicaPlanInput,
} from '../../files/files-index.ts'
import type { FileEntry } from '../../files/files-doc.ts'
import type { FilesCall, FilesStateMessage } from './files-worker-protocol.ts'

/** How the index reaches its worker (DocumentsWorkerHost gives these). */
export interface FilesWorkerLink {
  /** Opens the index in the worker (its document loads there). */
  open(): void
  call(call: FilesCall): Promise<unknown>
  close(): Promise<void>
}

/**
 * A workplace's file index held in the documents worker, as the page sees it: the state the
 * worker last sent (every record judged there) and the writes, sent to be done there. `opened`
 * resolves with the first state.
 */
export class RemoteFilesIndex extends Emitter<{ change: FilesIndexChange }> implements FilesIndex {
  readonly opened: Promise<RemoteFilesIndex>
  readonly #link: FilesWorkerLink
  #state: FilesIndexState = { entries: [], holdings: new Map(), assigned: new Map() }
  #resolve!: (index: RemoteFilesIndex) => void
  #reject!: (error: Error) => void
  #closed = false

  constructor(link: FilesWorkerLink) {
    super()
    this.#link = link
    this.opened = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // Whoever opened it hears a failure through `opened`; a later one has nobody to tell.
    this.opened.catch(() => {})
    link.open()
  }

  /** The worker's read of the document (checked by the host). */
  apply(why: FilesIndexChange, state: FilesStateMessage): void {
    if (this.#closed) return
    this.#state = {
      entries: state.entries,
      holdings: new Map(state.holdings.map(([fileId, byPeer]) => [fileId, new Map(byPeer)])),
      assigned: new Map(state.assigned),
    }
    this.#resolve(this)
    this.emit('change', why)
  }

  /** The index could not open, or the worker broke. */
  failed(error: Error): void {
    this.#reject(error)
  }

  state(): FilesIndexState {
    return this.#state
  }

  onChange(listener: (why: FilesIndexChange) => void): () => void {
    return this.on('change', listener)
  }

  async addVersion(entry: FileEntry, chunks: number): Promise<void> {
    await this.#link.call({ method: 'addVersion', entry: { ...entry }, chunks })
  }

  async writeOwn(
    held: readonly HeldFile[],
    storage: { quota: number; used: number },
    now: number,
  ): Promise<void> {
    await this.#link.call({ method: 'writeOwn', held: [...held], storage, now })
  }

  async planReplicas(input: ReplicaPlanInput): Promise<boolean> {
    return (await this.#link.call({ method: 'planReplicas', input })) === true
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#reject(new Error('the file index was closed'))
    void this.#link.close().catch(() => {})
  }
}
