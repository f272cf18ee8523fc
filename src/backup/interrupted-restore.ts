import { APP_DATABASES, LOCAL_SETTINGS_PREFIX } from './app-databases.ts'
import type { RestoreProgress, RestoreResult } from './restore-backup.ts'
import { clearRestoreJournal, readRestoreJournal, type RestoreJournal } from './restore-journal.ts'

/**
 * A restore an earlier session did not finish. The device's old data was already replaced in
 * part, so it cannot come back; the person either finishes the restore (the same backup file
 * and passphrase: it is checked again and written from the start, replacing the part written
 * before) or erases what is here and starts as a new device. Until then the app does not open.
 */
export interface InterruptedRestore {
  /** What the cut restore was writing (undefined if its mark is unreadable). */
  readonly journal: RestoreJournal | undefined
  finish(options: {
    file: Blob
    passphrase: string
    onProgress?: (progress: RestoreProgress) => void
  }): Promise<RestoreResult>
  /** Deletes every Peerplace database and setting here; the next start is a new device. */
  erase(): Promise<void>
}

export interface InterruptedRestorePlatform {
  indexedDB: IDBFactory
  localStorage: Storage
  /** Opens every app database with its owner's schema (so the restore can write into it). */
  prepareDatabases(): Promise<void>
}

/** The interrupted restore this browser holds the mark of, if any. */
export function findInterruptedRestore(
  platform: InterruptedRestorePlatform,
): InterruptedRestore | undefined {
  const journal = readRestoreJournal(platform.localStorage)
  if (journal === undefined) return undefined
  return {
    journal: journal === 'damaged' ? undefined : journal,
    async finish(options) {
      const { restoreBackup } = await import('./restore-backup.ts')
      return restoreBackup({
        file: options.file,
        passphrase: options.passphrase,
        target: {
          indexedDB: platform.indexedDB,
          localStorage: platform.localStorage,
          prepare: platform.prepareDatabases,
          // What this device holds is the part written before: the person chose to replace it.
          confirmReplace: async () => true,
        },
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
    },
    async erase() {
      for (const { name } of APP_DATABASES) await deleteDatabase(platform.indexedDB, name)
      const keys: string[] = []
      for (let i = 0; i < platform.localStorage.length; i++) {
        const key = platform.localStorage.key(i)
        if (key?.startsWith(LOCAL_SETTINGS_PREFIX)) keys.push(key)
      }
      for (const key of keys) platform.localStorage.removeItem(key)
      // Last: cut short before here, the next start asks again.
      clearRestoreJournal(platform.localStorage)
    },
  }
}

/** How long erasing waits for another tab to let go of a database. */
const ERASE_DEADLINE_MS = 30_000

function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error('Another Peerplace tab keeps its storage open: close it and try again.')),
      ERASE_DEADLINE_MS,
    )
    const request = factory.deleteDatabase(name)
    request.onsuccess = () => {
      clearTimeout(timer)
      resolve()
    }
    request.onerror = () => {
      clearTimeout(timer)
      reject(request.error ?? new Error(`cannot delete ${name}`))
    }
  })
}
