/**
 * The store contracts (tests/contract/*-contract.ts) run against every adapter of each store:
 * the in-memory one the tests and Node use, and IndexedDB (fake-indexeddb here), sealed through
 * the vault where the app seals that store. The chunk stores have their own runner
 * (chunk-store-contract.test.ts), automerge-repo's storage too (repo-storage-contract.test.ts).
 */
// The stores that open the global indexedDB: fake-indexeddb/auto sets it in this worker.
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import {
  createIndexedDbRecordStore,
  createMemoryRecordStore,
} from '../../src/crdt/membership/record-store.ts'
import {
  createIndexedDbSummaryStore,
  createMemorySummaryStore,
  NO_SEALING,
} from '../../src/crdt/workplace/summary-store.ts'
import {
  createIndexedDbWorkplaceList,
  createMemoryWorkplaceList,
} from '../../src/crdt/workplace/workplace-list.ts'
import { createMemoryDirectStore } from '../../src/direct/direct-store.ts'
import { createIdbDirectStore } from '../../src/direct/idb-direct-store.ts'
import { createIdbKeyStore } from '../../src/peer/identity/idb-key-store.ts'
import { createMemoryKeyStore } from '../../src/peer/identity/key-store.ts'
import { createVaultKey, Vault } from '../../src/vault/vault.ts'
import { describeDirectStoreContract } from '../contract/direct-store-contract.ts'
import {
  describeRecordStoreContract,
  describeSummaryStoreContract,
  describeWorkplaceListContract,
} from '../contract/entry-stores-contract.ts'
import { describeKeyStoreContract } from '../contract/key-store-contract.ts'

/** A fresh database name for every store that opens the global indexedDB. */
let databases = 0
const fresh = (store: string) => `${store}-contract-${++databases}`

/** A vault that seals, with a cheap scrypt cost: the contracts are about storage. */
const vaultKey = createVaultKey('correct horse battery', { log2N: 10, r: 8, p: 1 })
async function sealingVault(): Promise<Vault> {
  const vault = Vault.open()
  vault.use((await vaultKey).key, true)
  return vault
}

describeKeyStoreContract('memory', async () => createMemoryKeyStore())
describeKeyStoreContract('IndexedDB', () => createIdbKeyStore({ indexedDB: new IDBFactory() }))

describeWorkplaceListContract('memory', async () => createMemoryWorkplaceList())
describeWorkplaceListContract('IndexedDB', async () =>
  createIndexedDbWorkplaceList(fresh('workplaces')),
)

describeRecordStoreContract('memory', async () => createMemoryRecordStore())
describeRecordStoreContract('IndexedDB', async () => createIndexedDbRecordStore(fresh('records')))

describeSummaryStoreContract('memory', async () => createMemorySummaryStore())
describeSummaryStoreContract('IndexedDB', async () =>
  createIndexedDbSummaryStore(NO_SEALING, fresh('summaries')),
)
describeSummaryStoreContract('IndexedDB, sealed', async () =>
  createIndexedDbSummaryStore(await sealingVault(), fresh('summaries')),
)

describeDirectStoreContract('memory', async () => createMemoryDirectStore())
describeDirectStoreContract('IndexedDB', () =>
  createIdbDirectStore({ indexedDB: new IDBFactory() }),
)
describeDirectStoreContract('IndexedDB, sealed', async () =>
  createIdbDirectStore({ indexedDB: new IDBFactory(), vault: await sealingVault() }),
)
