import type { next as Automerge } from '@automerge/automerge/slim'
import type { DocumentId, Repo, StorageId } from '@automerge/automerge-repo'

/** How long sync states gather before they are written (a busy sync changes them often). */
const WRITE_AFTER_MS = 50

interface Entry {
  documentId: DocumentId
  storageId: StorageId
  syncState: Automerge.SyncState
}

/**
 * Keeps every document's sync state with every peer in storage (automerge-repo loads them back
 * when the peer is next linked: see peer-storage-id.ts). The repo writes them itself, but
 * throttled per peer with the latest call winning: of several documents synced with one peer
 * within 100 ms only one was kept (and none if the page closed first), so a root often reopened
 * with a stale state or none. Here each (document, peer) pair's latest state is written, a batch at a time, and only
 * when what is kept of it (the heads both sides share) changed.
 */
export class SyncStateKeeper {
  readonly #repo: Repo
  readonly #pending = new Map<string, Entry>()
  /** The shared heads last written per pair (what an encoded sync state holds). */
  readonly #written = new Map<string, string>()
  readonly #off: () => void
  #timer: ReturnType<typeof setTimeout> | undefined
  #writing: Promise<void> = Promise.resolve()

  constructor(repo: Repo) {
    this.#repo = repo
    const listener = ({
      peerId,
      documentId,
      syncState,
    }: {
      peerId: Parameters<Repo['getStorageIdOfPeer']>[0]
      documentId: DocumentId
      syncState: Automerge.SyncState
    }) => {
      const storageId = repo.getStorageIdOfPeer(peerId)
      if (!storageId || !repo.storageSubsystem) return
      const key = `${documentId} ${storageId}`
      if (this.#written.get(key) === sharedHeads(syncState) && !this.#pending.has(key)) return
      this.#pending.set(key, { documentId, storageId, syncState })
      this.#timer ??= setTimeout(() => void this.flush(), WRITE_AFTER_MS)
    }
    repo.synchronizer.on('sync-state', listener)
    this.#off = () => repo.synchronizer.off('sync-state', listener)
  }

  /** Writes what changed since the last write; resolves once it (and any before it) is stored. */
  flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = [...this.#pending]
    this.#pending.clear()
    const storage = this.#repo.storageSubsystem
    this.#writing = this.#writing.then(async () => {
      if (!storage) return
      for (const [key, { documentId, storageId, syncState }] of batch) {
        const heads = sharedHeads(syncState)
        if (this.#written.get(key) === heads) continue
        try {
          await storage.saveSyncState(documentId, storageId, syncState)
          this.#written.set(key, heads)
        } catch (error) {
          console.warn(`repo: sync state of ${documentId} not kept`, error)
        }
      }
    })
    return this.#writing
  }

  /** Stops listening and writes what is pending. */
  close(): Promise<void> {
    this.#off()
    return this.flush()
  }
}

function sharedHeads(state: Automerge.SyncState): string {
  return [...state.sharedHeads].sort().join()
}
