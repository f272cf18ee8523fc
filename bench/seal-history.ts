/**
 * Turns the storage lock on over what the app stores in this browser profile, as a person would
 * in "Your data" (same stores, same key cost), for the locked figure of bench/chat-open.ts.
 * Imported by the history page (bench/chat-history-page.ts) on the app's origin.
 */
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
import { createIndexedDbSummaryStore } from '../src/crdt/workplace/summary-store.ts'
import { createIdbDirectStore } from '../src/direct/idb-direct-store.ts'
import { createIdbChunkStore } from '../src/files/idb-chunk-store.ts'
import { sealChunkStore } from '../src/vault/sealed-chunk-store.ts'
import { SealedStorageAdapter } from '../src/vault/sealed-storage-adapter.ts'
import { StorageLock } from '../src/vault/storage-lock.ts'
import { Vault } from '../src/vault/vault.ts'

export async function sealStorage(passphrase: string): Promise<{ ms: number }> {
  const started = performance.now()
  const vault = Vault.open()
  const documents = new SealedStorageAdapter(
    new IndexedDBStorageAdapter('peerplace-documents'),
    vault,
  )
  const chunks = sealChunkStore(await createIdbChunkStore(), vault)
  const direct = await createIdbDirectStore({ vault })
  const summaries = createIndexedDbSummaryStore(vault)
  try {
    const lock = new StorageLock({
      vault,
      settings: localStorage,
      stores: async () => [documents, chunks, direct, summaries],
    })
    await lock.enable(passphrase)
    if (lock.state !== 'on') throw new Error(`the storage lock is ${lock.state}, not on`)
  } finally {
    chunks.close()
    direct.close()
  }
  return { ms: performance.now() - started }
}
