/**
 * The automerge-repo storage contract (mirroring automerge-repo's own acceptance suite, see
 * tests/contract/repo-storage-contract.ts) run against every storage the app's repos use: the
 * sealed adapter over IndexedDB with the lock off and on (the page's repo and the documents
 * worker's each open one, on the same database).
 */
// IndexedDBStorageAdapter opens the global indexedDB: fake-indexeddb/auto sets it in this worker.
import 'fake-indexeddb/auto'
import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
import { SealedStorageAdapter } from '../../src/vault/sealed-storage-adapter.ts'
import { createVaultKey, Vault } from '../../src/vault/vault.ts'
import { describeRepoStorageContract } from '../contract/repo-storage-contract.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'

/** A fresh IndexedDB database for every test. */
let databases = 0
const indexedDb = () => new IndexedDBStorageAdapter(`repo-storage-${++databases}`)

/** A cheap scrypt cost: the contract is about storage, not the key's strength. */
const vaultKey = createVaultKey('correct horse battery', { log2N: 10, r: 8, p: 1 })

async function sealed(inner: StorageAdapterInterface, sealing: boolean) {
  const vault = Vault.open()
  vault.use((await vaultKey).key, sealing)
  return new SealedStorageAdapter(inner, vault)
}

describeRepoStorageContract('memory (the tests’ stand-in)', async () => new MemoryStorageAdapter())
describeRepoStorageContract('IndexedDB', async () => indexedDb())
describeRepoStorageContract('sealed over IndexedDB, lock off', () => sealed(indexedDb(), false))
describeRepoStorageContract('sealed over IndexedDB, lock on', () => sealed(indexedDb(), true))
