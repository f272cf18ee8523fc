import type { StoragePersistence } from './storage-persistence.ts'

/** What the "Your data" device section uses: storage persistence, backups, restore, exports. */
export interface DeviceData {
  readonly persistence: StoragePersistence
}
