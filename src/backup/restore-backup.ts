import { BackupError } from './backup-error.ts'
import { parseEnd, parseManifest, type BackupEnd, type BackupManifest } from './backup-manifest.ts'
import { APP_DATABASES, LOCAL_SETTINGS_PREFIX, MAX_LOCAL_SETTING_CHARS } from './app-databases.ts'
import { blobChunks } from './byte-reader.ts'
import { BlobSink } from './byte-sink.ts'
import {
  checkPortableKey,
  DEVICE_KEY_RECORD,
  storedDeviceKey,
  type PortableDeviceKey,
} from './device-key-transfer.ts'
import { decryptFrames, openBackup } from './frame-reader.ts'
import { countHoldings, holdsData, type DeviceHoldings } from './device-holdings.ts'
import {
  clearDatabase,
  isValidKey,
  keyAtPath,
  openExisting,
  putEntries,
  type StoredEntry,
} from './idb-access.ts'
import { decodeJson, decodeValue, readRecords, RecordType, type RawRecord } from './record-codec.ts'
import { clearRestoreJournal, writeRestoreJournal } from './restore-journal.ts'

/** Where a restore writes: this browser's storage for the app's origin. */
export interface RestoreTarget {
  indexedDB: IDBFactory
  localStorage: Pick<Storage, 'setItem' | 'removeItem' | 'key' | 'length'>
  /** Makes sure every app database exists with its schema (opened by the code that owns it). */
  prepare(): Promise<void>
  /**
   * Asked once the file has passed every check, when this device already holds data: whether
   * to replace it with the backup's. Without it, a device that holds data is not restored onto.
   */
  confirmReplace?(holdings: DeviceHoldings, manifest: BackupManifest): Promise<boolean>
  /**
   * Runs once the file has passed every check, just before anything is written. A restore cut
   * short after it leaves its mark (restore-journal.ts) for the next start.
   */
  beforeWrite?(): Promise<void>
}

export interface RestoreProgress {
  phase: 'key' | 'checking' | 'writing' | 'done'
  /** Bytes of the file read in this phase, of `totalBytes`. */
  bytes: number
  totalBytes: number
}

export interface RestoreResult {
  manifest: BackupManifest
  end: BackupEnd
}

/** Entries written per IndexedDB transaction, at most (also bounded by WRITE_BATCH_BYTES). */
const WRITE_BATCH = 64
const WRITE_BATCH_BYTES = 8 * 1024 * 1024
/** Batches being written at once, at most. */
const WRITES_IN_FLIGHT = 2

type Decoded =
  | { type: 'manifest'; manifest: BackupManifest }
  | { type: 'identity'; key: PortableDeviceKey }
  | { type: 'item'; db: string; store: string; entry: StoredEntry; size: number }
  | { type: 'setting'; key: string; value: string }
  | { type: 'end'; end: BackupEnd }

/**
 * Restores a backup file into this browser, which then holds what the backup holds and nothing
 * else: its device key, profile, settings, workplaces, conversations and files replace this
 * device's. The whole file is read and checked first (passphrase, every frame, every record
 * against the app's stores), then the person confirms if this device holds data; only then is
 * anything cleared and written. Throws a BackupError otherwise, having changed nothing. The app
 * must reload afterwards to run as the restored device.
 */
export async function restoreBackup(options: {
  file: Blob
  passphrase: string
  target: RestoreTarget
  onProgress?: (progress: RestoreProgress) => void
}): Promise<RestoreResult> {
  const { file, target } = options
  const totalBytes = file.size
  const report = (phase: RestoreProgress['phase'], bytes: number) =>
    options.onProgress?.({ phase, bytes, totalBytes })
  report('key', 0)
  const opened = await openBackup(blobChunks(file), options.passphrase)
  await target.prepare()
  const databases = new Map<string, IDBDatabase>()
  try {
    for (const { name } of APP_DATABASES) {
      const db = await openExisting(target.indexedDB, name)
      if (!db) throw new Error(`Peerplace's storage (${name}) is not ready; reload and try again.`)
      databases.set(name, db)
    }
    // The checking pass keeps the plaintext (in a Blob, which the browser holds outside the
    // page) so the writing pass does not decrypt the file again.
    const plain = new BlobSink()
    const check = new Checker(target.indexedDB, databases, false)
    const file1 = counted(blobChunks(file), (bytes) => report('checking', bytes))
    for await (const record of decoded(keep(decryptFrames(file1, opened), plain), check)) {
      check.accept(record)
    }
    const result = check.finish()
    const holdings = await countHoldings(databases)
    if (holdsData(holdings) && !(await target.confirmReplace?.(holdings, result.manifest))) {
      throw new BackupError('cancelled', 'Nothing was restored: this device keeps its data.')
    }
    await target.beforeWrite?.()
    // From here until the device key is written the device holds only part of the backup: the
    // mark says so to the next start if this is cut short (see interrupted-restore.ts).
    writeRestoreJournal(target.localStorage, {
      v: 1,
      startedAt: Date.now(),
      peerId: result.manifest.peerId,
      createdAt: result.manifest.createdAt,
      workplaces: result.manifest.workplaces,
    })
    // What the device held goes first, except its key: replaced last, so a restore cut short
    // leaves the device as itself (missing data it can sync again), never without a key.
    for (const [name, db] of databases) {
      await clearDatabase(db, name === 'peerplace-identity' ? DEVICE_KEY_RECORD : undefined)
    }
    clearLocalSettings(target.localStorage)

    const pending = new Map<
      string,
      { db: string; store: string; entries: StoredEntry[]; size: number }
    >()
    // Batches are written while the next is decoded; IndexedDB applies those of one store in
    // the order they were started.
    const writing: Promise<void>[] = []
    const flush = async (group: { db: string; store: string; entries: StoredEntry[] }) => {
      pending.delete(`${group.db}\u0000${group.store}`)
      const write = putEntries(databases.get(group.db)!, group.store, group.entries)
      write.catch(() => {})
      writing.push(write)
      while (writing.length > WRITES_IN_FLIGHT) await writing.shift()
    }
    let identity: PortableDeviceKey | undefined
    const settings: { key: string; value: string }[] = []
    await plain.close()
    const plainBlob = plain.blob()
    const apply = new Checker(target.indexedDB, databases, true)
    const scale = totalBytes / Math.max(1, plainBlob.size)
    const pieces = counted(blobChunks(plainBlob), (bytes) => report('writing', bytes * scale))
    for await (const record of decoded(pieces, apply)) {
      apply.accept(record)
      if (record.type === 'identity') identity = record.key
      if (record.type === 'setting') settings.push(record)
      if (record.type !== 'item') continue
      const id = `${record.db}\u0000${record.store}`
      let group = pending.get(id)
      if (!group)
        pending.set(id, (group = { db: record.db, store: record.store, entries: [], size: 0 }))
      group.entries.push(record.entry)
      group.size += record.size
      if (group.entries.length >= WRITE_BATCH || group.size >= WRITE_BATCH_BYTES) await flush(group)
    }
    apply.finish()
    for (const group of [...pending.values()]) await flush(group)
    while (writing.length > 0) await writing.shift()
    for (const { key, value } of settings) target.localStorage.setItem(key, value)
    // The identity last (see above).
    const identityDb = databases.get('peerplace-identity')!
    await putEntries(identityDb, 'records', [
      { key: DEVICE_KEY_RECORD, value: await storedDeviceKey(identity!) },
    ])
    clearRestoreJournal(target.localStorage)
    report('done', totalBytes)
    return result
  } finally {
    for (const db of databases.values()) db.close()
  }
}

async function* decoded(
  plaintext: AsyncIterable<Uint8Array>,
  check: Checker,
): AsyncGenerator<Decoded> {
  for await (const record of readRecords(plaintext)) yield check.decode(record)
}

/** Passes pieces on, telling how many bytes went by so far. */
async function* counted(
  pieces: AsyncIterable<Uint8Array>,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let read = 0
  for await (const piece of pieces) {
    read += piece.length
    onBytes(read)
    yield piece
  }
}

/** Passes pieces on, keeping each in `sink` too. */
async function* keep(
  pieces: AsyncIterable<Uint8Array>,
  sink: BlobSink,
): AsyncGenerator<Uint8Array> {
  for await (const piece of pieces) {
    await sink.write(piece)
    yield piece
  }
}

/** Checks the records of a backup in order, against the stores they are to be written to. */
class Checker {
  readonly #factory: IDBFactory
  readonly #databases: Map<string, IDBDatabase>
  #manifest: BackupManifest | undefined
  #identity = false
  #end: BackupEnd | undefined
  #items = 0
  #settings = 0

  readonly #copy: boolean

  /** `copy`: whether decoded byte arrays are copies (to be stored) or views (only checked). */
  constructor(factory: IDBFactory, databases: Map<string, IDBDatabase>, copy: boolean) {
    this.#factory = factory
    this.#databases = databases
    this.#copy = copy
  }

  decode(record: RawRecord): Decoded {
    if (this.#end) throw invalid('The backup has records after its end.')
    switch (record.type) {
      case RecordType.MANIFEST:
        return { type: 'manifest', manifest: parseManifest(decodeJson(record.payload)) }
      case RecordType.IDENTITY:
        return { type: 'identity', key: checkPortableKey(decodeValue(record.payload)) }
      case RecordType.STORE_ITEM:
        return this.#item(decodeValue(record.payload, this.#copy), record.payload.length)
      case RecordType.LOCAL_SETTING:
        return setting(decodeJson(record.payload))
      case RecordType.END:
        return { type: 'end', end: parseEnd(decodeJson(record.payload)) }
    }
  }

  accept(record: Decoded): void {
    if (!this.#manifest && record.type !== 'manifest')
      throw invalid('The backup has no description.')
    switch (record.type) {
      case 'manifest':
        if (this.#manifest) throw invalid('The backup describes itself twice.')
        this.#manifest = record.manifest
        return
      case 'identity':
        if (this.#identity) throw invalid('The backup holds two device keys.')
        this.#identity = true
        return
      case 'item':
        if (!this.#manifest!.includesFiles && partOf(record.db) === 'files') {
          throw invalid('The backup holds files it says it does not.')
        }
        this.#items++
        return
      case 'setting':
        this.#settings++
        return
      case 'end':
        this.#end = record.end
    }
  }

  finish(): RestoreResult {
    if (!this.#manifest || !this.#end) throw invalid('The backup is incomplete.')
    if (!this.#identity) throw invalid('The backup holds no device key.')
    if (this.#end.items !== this.#items || this.#end.settings !== this.#settings) {
      throw invalid('The backup is missing records.')
    }
    return { manifest: this.#manifest, end: this.#end }
  }

  readonly #keyPaths = new Map<string, string | string[] | null>()

  #keyPath(name: string, database: IDBDatabase, store: string): string | string[] | null {
    const id = `${name}\u0000${store}`
    if (!this.#keyPaths.has(id)) {
      this.#keyPaths.set(id, database.transaction(store, 'readonly').objectStore(store).keyPath)
    }
    return this.#keyPaths.get(id)!
  }

  #item(raw: unknown, size: number): Decoded {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
    const { db, store, key, value } = r
    if (typeof db !== 'string' || typeof store !== 'string') throw invalid('A record is malformed.')
    const database = this.#databases.get(db)
    if (!database || !database.objectStoreNames.contains(store)) {
      throw invalid(`The backup holds data for storage this app does not have (${db}/${store}).`)
    }
    if (!isValidKey(this.#factory, key)) throw invalid('A record has an invalid key.')
    if (db === 'peerplace-identity' && key === DEVICE_KEY_RECORD) {
      throw invalid('The backup holds a device key in the wrong place.')
    }
    const keyPath = this.#keyPath(db, database, store)
    if (keyPath !== null) {
      const derived = keyAtPath(value, keyPath)
      if (!isValidKey(this.#factory, derived) || this.#factory.cmp(derived, key) !== 0) {
        throw invalid('A record does not match its key.')
      }
    }
    return { type: 'item', db, store, entry: { key, value }, size }
  }
}

function setting(raw: unknown): Decoded {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const { key, value } = r
  if (
    typeof key !== 'string' ||
    typeof value !== 'string' ||
    !key.startsWith(LOCAL_SETTINGS_PREFIX) ||
    key.length > 256 ||
    value.length > MAX_LOCAL_SETTING_CHARS
  ) {
    throw invalid('The backup holds an invalid setting.')
  }
  return { type: 'setting', key, value }
}

function clearLocalSettings(storage: RestoreTarget['localStorage']): void {
  const keys: string[] = []
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i)
    if (key?.startsWith(LOCAL_SETTINGS_PREFIX)) keys.push(key)
  }
  for (const key of keys) storage.removeItem(key)
}

function partOf(db: string) {
  return APP_DATABASES.find((d) => d.name === db)?.part
}

function invalid(message: string): BackupError {
  return new BackupError('invalid-content', message)
}
