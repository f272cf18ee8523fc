import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import type { WorkerStorage } from '../crdt/documents-worker/worker-storage.ts'
import { SealedStorageAdapter } from './sealed-storage-adapter.ts'
import { Vault } from './vault.ts'

/** The documents worker's storage over `inner`, sealed with the at-rest key the page lends. */
export function sealedWorkerStorage(inner: StorageAdapterInterface): WorkerStorage {
  const vault = Vault.open()
  const adapter = new SealedStorageAdapter(inner, vault)
  return {
    adapter,
    lend: ({ key, sealing }) => vault.use(key, sealing),
    savesDone: () => adapter.savesDone(),
  }
}
