import { openDB, type IDBPDatabase } from 'idb'

/** A workplace this device belongs to, as remembered locally (opened before any network). */
export interface WorkplaceEntry {
  id: string
  rootUrl: string
  /** Last known name, to show before the document loads. */
  name: string
  addedAt: number
}

export interface WorkplaceList {
  all(): Promise<WorkplaceEntry[]>
  put(entry: WorkplaceEntry): Promise<void>
  delete(id: string): Promise<void>
}

export function createMemoryWorkplaceList(): WorkplaceList {
  const entries = new Map<string, WorkplaceEntry>()
  return {
    async all() {
      return [...entries.values()]
    },
    async put(entry) {
      entries.set(entry.id, { ...entry })
    },
    async delete(id) {
      entries.delete(id)
    },
  }
}

export function createIndexedDbWorkplaceList(name = 'peerplace-workplaces'): WorkplaceList {
  let db: Promise<IDBPDatabase> | undefined
  const open = () =>
    (db ??= openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore('workplaces', { keyPath: 'id' })
      },
    }))
  return {
    async all() {
      return (await (await open()).getAll('workplaces')) as WorkplaceEntry[]
    },
    async put(entry) {
      await (await open()).put('workplaces', entry)
    },
    async delete(id) {
      await (await open()).delete('workplaces', id)
    },
  }
}
