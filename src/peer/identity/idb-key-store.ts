import { wrap, type IDBPDatabase } from 'idb'
import type { KeyStore } from './key-store.ts'

const STORE = 'records'

export interface IdbKeyStoreOptions {
  /** The IndexedDB factory; defaults to the global `indexedDB`. */
  indexedDB?: IDBFactory
  /** Database name; one per app, shared by identity and profile records. */
  dbName?: string
}

/** A KeyStore in one IndexedDB object store. */
export async function createIdbKeyStore(options: IdbKeyStoreOptions = {}): Promise<KeyStore> {
  const factory = options.indexedDB ?? globalThis.indexedDB
  if (!factory) throw new Error('IndexedDB is not available: cannot keep this device identity')
  const request = factory.open(options.dbName ?? 'peerplace-identity', 1)
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE)
  }
  request.onblocked = () => console.warn('identity store: upgrade blocked by another tab')
  const db = (await wrap(request)) as IDBPDatabase

  return {
    get: (name) => db.get(STORE, name),
    set: async (name, value) => {
      await db.put(STORE, value, name)
    },
    setIfAbsent: async (name, value) => {
      // One readwrite transaction: get-then-put cannot interleave with another tab's.
      const tx = db.transaction(STORE, 'readwrite')
      const existing: unknown = await tx.store.get(name)
      if (existing === undefined) await tx.store.put(value, name)
      await tx.done
      return existing === undefined ? value : existing
    },
  }
}
