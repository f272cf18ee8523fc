import { openDB, type IDBPDatabase } from 'idb'
import type { SignedRecord } from './record.ts'

/**
 * This device's own copy of every valid membership record it has seen. A member who deletes
 * records from the shared document cannot undo a removal: they are written back from here.
 */
export interface RecordStore {
  all(workplace: string): Promise<{ id: string; record: SignedRecord }[]>
  put(workplace: string, id: string, record: SignedRecord): Promise<void>
}

export function createMemoryRecordStore(): RecordStore {
  const data = new Map<string, Map<string, SignedRecord>>()
  return {
    async all(workplace) {
      return [...(data.get(workplace) ?? new Map<string, SignedRecord>())].map(([id, record]) => ({
        id,
        record,
      }))
    },
    async put(workplace, id, record) {
      let map = data.get(workplace)
      if (!map) data.set(workplace, (map = new Map()))
      map.set(id, structuredClone(record))
    },
  }
}

interface StoredRecord {
  workplace: string
  id: string
  record: SignedRecord
}

export function createIndexedDbRecordStore(name = 'peerplace-membership'): RecordStore {
  let db: Promise<IDBPDatabase> | undefined
  const open = () =>
    (db ??= openDB(name, 1, {
      upgrade(database) {
        const store = database.createObjectStore('records', { keyPath: ['workplace', 'id'] })
        store.createIndex('workplace', 'workplace')
      },
    }))
  return {
    async all(workplace) {
      const rows = (await (
        await open()
      ).getAllFromIndex('records', 'workplace', workplace)) as StoredRecord[]
      return rows.map(({ id, record }) => ({ id, record }))
    },
    async put(workplace, id, record) {
      await (await open()).put('records', { workplace, id, record } satisfies StoredRecord)
    },
  }
}
