import type { BackupEnd, BackupManifest } from './backup-manifest.ts'
import type { KdfParams } from './backup-format.ts'
import type { ByteSink } from './byte-sink.ts'
import { APP_DATABASES, LOCAL_SETTINGS_PREFIX } from './app-databases.ts'
import { DEVICE_KEY_RECORD, exportDeviceKey } from './device-key-transfer.ts'
import { FrameWriter } from './frame-writer.ts'
import { countEntries, openExisting, readEntries } from './idb-access.ts'
import {
  encodeJson,
  encodeRecord,
  encodeValue,
  encodeValueParts,
  recordParts,
  RecordType,
} from './record-codec.ts'

/** Where a backup reads from: this browser's storage for the app's origin. */
interface BackupSource {
  indexedDB: IDBFactory
  localStorage: Pick<Storage, 'length' | 'key' | 'getItem'>
}

export interface BackupProgress {
  phase: 'counting' | 'key' | 'writing' | 'done'
  /** Entries written and the number expected (from the count at the start). */
  items: number
  totalItems: number
  /** Bytes of backup file produced. */
  bytes: number
}

export interface WriteBackupOptions {
  source: BackupSource
  sink: ByteSink
  passphrase: string
  peerId: string
  /** Whether the file chunks this device holds go in too (they can be large). */
  includeFiles: boolean
  onProgress?: (progress: BackupProgress) => void
  signal?: AbortSignal
  kdf?: KdfParams
  frameBytes?: number
  now?: () => number
}

/** Entries read per IndexedDB transaction. */
const BATCH = 16

/**
 * Streams an encrypted backup of this device into `sink`: identity, profile, settings, every
 * workplace's documents and membership, direct conversations and (if asked) file chunks.
 * Each store is read a batch at a time and encrypted frame by frame; nothing is held whole.
 */
export async function writeBackup(options: WriteBackupOptions): Promise<BackupEnd> {
  const { source } = options
  const report = (progress: BackupProgress) => options.onProgress?.(progress)
  report({ phase: 'counting', items: 0, totalItems: 0, bytes: 0 })
  const databases: { name: string; db: IDBDatabase; stores: string[] }[] = []
  try {
    for (const { name, part } of APP_DATABASES) {
      if (part === 'files' && !options.includeFiles) continue
      const db = await openExisting(source.indexedDB, name)
      if (db) databases.push({ name, db, stores: [...db.objectStoreNames] })
    }
    const identityDb = databases.find((d) => d.name === 'peerplace-identity')?.db
    const keyRecord = identityDb ? await getRecord(identityDb, DEVICE_KEY_RECORD) : undefined
    const deviceKey = await exportDeviceKey(keyRecord)
    const counts: BackupManifest['stores'] = []
    for (const { name, db, stores } of databases) {
      for (const store of stores)
        counts.push({ db: name, store, count: await countEntries(db, store) })
    }
    const manifest: BackupManifest = {
      app: 'peerplace',
      createdAt: (options.now ?? Date.now)(),
      peerId: options.peerId,
      includesFiles: options.includeFiles,
      stores: counts,
      workplaces: await workplaceNames(databases),
    }
    const totalItems = counts.reduce((n, s) => n + s.count, 0)
    report({ phase: 'key', items: 0, totalItems, bytes: 0 })
    const writer = await FrameWriter.open({
      passphrase: options.passphrase,
      sink: options.sink,
      ...(options.kdf ? { kdf: options.kdf } : {}),
      ...(options.frameBytes ? { frameBytes: options.frameBytes } : {}),
    })
    try {
      const end: BackupEnd = { items: 0, settings: 0 }
      await writer.write(encodeRecord(RecordType.MANIFEST, encodeJson(manifest)))
      await writer.write(encodeRecord(RecordType.IDENTITY, encodeValue(deviceKey)))
      for (const { name, db, stores } of databases) {
        for (const store of stores) {
          for await (const { key, value } of readEntries(db, store, BATCH)) {
            options.signal?.throwIfAborted()
            if (name === 'peerplace-identity' && key === DEVICE_KEY_RECORD) continue
            const item = encodeValueParts({ db: name, store, key, value })
            await writer.write(recordParts(RecordType.STORE_ITEM, item))
            end.items++
            report({ phase: 'writing', items: end.items, totalItems, bytes: writer.written })
          }
        }
      }
      for (let i = 0; i < source.localStorage.length; i++) {
        const key = source.localStorage.key(i)
        const value = key === null ? null : source.localStorage.getItem(key)
        if (key === null || value === null || !key.startsWith(LOCAL_SETTINGS_PREFIX)) continue
        await writer.write(encodeRecord(RecordType.LOCAL_SETTING, encodeJson({ key, value })))
        end.settings++
      }
      await writer.write(encodeRecord(RecordType.END, encodeJson(end)))
      await writer.finish()
      report({ phase: 'done', items: end.items, totalItems, bytes: writer.written })
      return end
    } catch (error) {
      await writer.abort(error)
      throw error
    }
  } finally {
    for (const { db } of databases) db.close()
  }
}

function getRecord(db: IDBDatabase, key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!db.objectStoreNames.contains('records')) return resolve(undefined)
    const request = db.transaction('records', 'readonly').objectStore('records').get(key)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('cannot read the device key'))
  })
}

async function workplaceNames(databases: { name: string; db: IDBDatabase }[]): Promise<string[]> {
  const list = databases.find((d) => d.name === 'peerplace-workplaces')?.db
  if (!list?.objectStoreNames.contains('workplaces')) return []
  const names: string[] = []
  for await (const { value } of readEntries(list, 'workplaces', 256)) {
    const name = (value as { name?: unknown } | undefined)?.name
    if (typeof name === 'string') names.push(name)
  }
  return names
}
