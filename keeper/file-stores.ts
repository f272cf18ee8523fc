import { join } from 'node:path'
import type { RecordStore } from '../src/crdt/membership/record-store.ts'
import type { SignedRecord } from '../src/crdt/membership/record.ts'
import type { WorkplaceEntry, WorkplaceList } from '../src/crdt/workplace/workplace-list.ts'
import type { KeyStore } from '../src/peer/identity/key-store.ts'
import { FileMap } from './file-map.ts'

/** The device key and profile, in `identity.bin` of the data folder. */
export async function createFileKeyStore(folder: string): Promise<KeyStore> {
  const map = await FileMap.open(join(folder, 'identity.bin'))
  return {
    get: async (name) => map.get(name),
    set: (name, value) => map.set(name, value),
    setIfAbsent: async (name, value) => {
      // One process owns the folder (see DataFolderLock), so check-then-set cannot race.
      if (!map.has(name)) await map.set(name, value)
      return map.get(name)
    },
  }
}

/** The workplaces this keeper belongs to, in `workplaces.bin`. */
export async function createFileWorkplaceList(folder: string): Promise<WorkplaceList> {
  const map = await FileMap.open(join(folder, 'workplaces.bin'))
  return {
    all: async () => map.values() as WorkplaceEntry[],
    put: (entry) => map.set(entry.id, entry),
    delete: (id) => map.delete(id),
  }
}

/** Every valid membership record seen, in `membership.bin`. */
export async function createFileRecordStore(folder: string): Promise<RecordStore> {
  const map = await FileMap.open(join(folder, 'membership.bin'))
  const key = (workplace: string, id: string) => JSON.stringify([workplace, id])
  return {
    all: async (workplace) => {
      const rows = map.values() as { workplace: string; id: string; record: SignedRecord }[]
      return rows
        .filter((row) => row.workplace === workplace)
        .map(({ id, record }) => ({ id, record }))
    },
    put: (workplace, id, record) => map.set(key(workplace, id), { workplace, id, record }),
  }
}
