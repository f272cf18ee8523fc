// idb wraps requests by the global IDB classes: fake-indexeddb/auto sets them in this file's worker.
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { createIdbChunkStore } from '../../src/files/idb-chunk-store.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import { sealChunkStore } from '../../src/vault/sealed-chunk-store.ts'
import { createVaultKey, Vault } from '../../src/vault/vault.ts'
import { describeChunkStoreContract } from '../contract/chunk-store-contract.ts'

describeChunkStoreContract('memory', async () => createMemoryChunkStore())

// A fresh IndexedDB (fake-indexeddb) for every store.
describeChunkStoreContract('IndexedDB', () => createIdbChunkStore({ indexedDB: new IDBFactory() }))

describeChunkStoreContract('sealed by a locked vault, over memory', async () => {
  const vault = Vault.open()
  // A cheap scrypt cost: the contract is about storage, not the key's strength.
  vault.use((await createVaultKey('correct horse battery', { log2N: 10, r: 8, p: 1 })).key, true)
  return sealChunkStore(createMemoryChunkStore(), vault)
})
