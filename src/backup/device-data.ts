import type { BackupProgress } from './write-backup.ts'
import type { RestoreProgress, RestoreResult } from './restore-backup.ts'
import type { BackupManifest } from './backup-manifest.ts'
import type { DeviceHoldings } from './device-holdings.ts'
import type { StoragePersistence } from './storage-persistence.ts'
import type { StorageLock } from '../vault/storage-lock.ts'
import type { WorkplaceExports } from './export/workplace-export.ts'

/** A finished backup, ready to be saved by the person. */
interface SavedBackup {
  blob: Blob
  fileName: string
  items: number
}

/** What the "Your data" device section uses: storage persistence, backups, restore, exports. */
export interface DeviceData {
  readonly persistence: StoragePersistence
  /** Encryption at rest of what this device stores. */
  readonly lock: StorageLock
  /** Writes an encrypted backup of this device (streamed into a Blob the browser keeps). */
  backup(options: {
    passphrase: string
    includeFiles: boolean
    onProgress?: (progress: BackupProgress) => void
    signal?: AbortSignal
  }): Promise<SavedBackup>
  /**
   * Checks `file` whole, asks `confirmReplace` if this device holds data, then stops this
   * tab's network and documents and replaces what it stores with the backup; the page must
   * reload afterwards (the caller does, so it can first say so). Changes nothing if the check
   * fails or the person declines.
   */
  restore(options: {
    file: Blob
    passphrase: string
    onProgress?: (progress: RestoreProgress) => void
    confirmReplace?: (holdings: DeviceHoldings, manifest: BackupManifest) => Promise<boolean>
  }): Promise<RestoreResult>
  /** Chat and files of each workplace in forms people can open (once workplaces load). */
  exports(): Promise<WorkplaceExports>
}

export interface DeviceDataPlatform {
  persistence: StoragePersistence
  lock: StorageLock
  indexedDB: IDBFactory
  localStorage: Storage
  peerId: string
  /** Opens every app database with its owner's schema (so a restore can write into it). */
  prepareDatabases(): Promise<void>
  /** Stops what writes to storage (the documents, the network) before a restore writes. */
  quiesce(): Promise<void>
  /** The exports, built once the workplaces have loaded. */
  exports(): Promise<WorkplaceExports>
  now?: () => number
}

/** The "Your data" actions; the backup code loads when first used. */
export function createDeviceData(platform: DeviceDataPlatform): DeviceData {
  const now = platform.now ?? Date.now
  return {
    persistence: platform.persistence,
    lock: platform.lock,
    exports: platform.exports,
    async backup(options) {
      const [{ writeBackup }, { BlobSink }] = await Promise.all([
        import('./write-backup.ts'),
        import('./byte-sink.ts'),
      ])
      const sink = new BlobSink()
      const end = await writeBackup({
        source: { indexedDB: platform.indexedDB, localStorage: platform.localStorage },
        sink,
        passphrase: options.passphrase,
        peerId: platform.peerId,
        includeFiles: options.includeFiles,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        now,
      })
      const day = new Date(now()).toISOString().slice(0, 10)
      return {
        blob: sink.blob(),
        fileName: `peerplace-${platform.peerId.slice(0, 8)}-${day}.peerplace-backup`,
        items: end.items,
      }
    },
    async restore(options) {
      const { restoreBackup } = await import('./restore-backup.ts')
      return restoreBackup({
        file: options.file,
        passphrase: options.passphrase,
        target: {
          indexedDB: platform.indexedDB,
          localStorage: platform.localStorage,
          prepare: platform.prepareDatabases,
          beforeWrite: platform.quiesce,
          ...(options.confirmReplace ? { confirmReplace: options.confirmReplace } : {}),
        },
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
    },
  }
}
