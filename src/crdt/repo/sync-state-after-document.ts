import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'

/**
 * automerge-repo's storage, writing a peer's sync state only once its document is stored.
 *
 * A sync state kept for a peer says which heads both sides share; the next start sends the peer
 * only that, and the peer answers with the changes made after them. The repo writes sync states
 * as soon as the shared heads change, while it saves the document itself up to 100 ms later: a
 * page or process killed in between came back sure it shared heads it no longer held, was sent
 * only what followed them, could apply none of it, and so never caught up (a keeper lost a
 * member's messages for good). Here each sync state write first saves the repo's document as it
 * is now, which holds every head the state names, and only then writes the state. A sync state
 * for a document the repo does not hold is not written.
 */
export class SyncStateAfterDocument implements StorageAdapterInterface {
  readonly #inner: StorageAdapterInterface
  readonly #saveDocument: (documentId: string) => Promise<boolean>
  /** The write in progress per sync-state key: writes of one key keep their order. */
  readonly #writing = new Map<string, Promise<void>>()

  /**
   * @param saveDocument stores the repo's current document of that ID; false when the repo does
   *   not hold it
   */
  constructor(
    inner: StorageAdapterInterface,
    saveDocument: (documentId: string) => Promise<boolean>,
  ) {
    this.#inner = inner
    this.#saveDocument = saveDocument
  }

  load(key: StorageKey): Promise<Uint8Array | undefined> {
    return this.#inner.load(key)
  }

  loadRange(prefix: StorageKey): Promise<Chunk[]> {
    return this.#inner.loadRange(prefix)
  }

  save(key: StorageKey, data: Uint8Array): Promise<void> {
    const [documentId, kind] = key
    if (kind !== 'sync-state' || documentId === undefined) return this.#inner.save(key, data)
    const id = key.join('/')
    const previous = this.#writing.get(id) ?? Promise.resolve()
    const write = previous
      .catch(() => undefined)
      .then(async () => {
        if (await this.#saveDocument(documentId)) await this.#inner.save(key, data)
      })
    this.#writing.set(id, write)
    void write.finally(() => {
      if (this.#writing.get(id) === write) this.#writing.delete(id)
    })
    return write
  }

  remove(key: StorageKey): Promise<void> {
    return this.#inner.remove(key)
  }

  removeRange(prefix: StorageKey): Promise<void> {
    return this.#inner.removeRange(prefix)
  }
}
