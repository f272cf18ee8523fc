import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import type { ChunkStore } from './chunk-store.ts'
import { FileTransfers } from './file-transfers.ts'
import { webCryptoSha256 } from './hashing.ts'
import { createIdbChunkStore } from './idb-chunk-store.ts'
import { StorageBudget } from './storage-budget.ts'
import type { FilesIndex } from './files-index.ts'
import type { FilesWorkplace } from './files-workplace.ts'
import { WorkplaceFiles } from './workplace-files.ts'

/** Files for the whole device: one engine and store, one storage offer, each workplace's files. */
export interface FilesService {
  readonly transfers: FileTransfers
  readonly budget: StorageBudget
  /** The files of a workplace (opened once, then shared). */
  open(workplace: FilesWorkplace): Promise<WorkplaceFiles>
  close(): void
}

export interface FilesPlatform {
  mesh: MeshPort
  /** Where chunks are kept when no `store` is given. */
  indexedDB?: IDBFactory
  localStorage: Pick<Storage, 'getItem' | 'setItem'>
  /** `navigator.storage`, when the browser has it. */
  storageManager?: Pick<StorageManager, 'estimate'>
  subtle?: SubtleCrypto
  /** A store other than IndexedDB (tests, the keeper's folder). */
  store?: ChunkStore
  /** Opens a workplace's file index document (the documents worker's); else in this thread. */
  openIndex?: (workplace: FilesWorkplace) => Promise<FilesIndex>
}

export async function createFilesService(platform: FilesPlatform): Promise<FilesService> {
  const store =
    platform.store ??
    (await createIdbChunkStore(platform.indexedDB ? { indexedDB: platform.indexedDB } : {}))
  const transfers = new FileTransfers({
    mesh: platform.mesh,
    store,
    sha256: webCryptoSha256(platform.subtle),
  })
  const manager = platform.storageManager
  const budget = new StorageBudget({
    storage: platform.localStorage,
    ...(manager ? { estimate: () => manager.estimate() } : {}),
  })
  const opened = new Map<string, Promise<WorkplaceFiles>>()
  return {
    transfers,
    budget,
    open(workplace) {
      let files = opened.get(workplace.id)
      if (!files) {
        files = WorkplaceFiles.open({
          workplace,
          transfers,
          presence: platform.mesh.presence,
          budget,
          ...(platform.openIndex ? { openIndex: platform.openIndex } : {}),
        })
        files.catch(() => opened.delete(workplace.id))
        opened.set(workplace.id, files)
      }
      return files
    },
    close() {
      for (const files of opened.values())
        void files.then(
          (f) => f.close(),
          () => {},
        )
      transfers.close()
      store.close()
    },
  }
}
