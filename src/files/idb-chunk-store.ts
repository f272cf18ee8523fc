import { wrap, type IDBPDatabase } from 'idb'
import type { ChunkStore, LocalFileRecord } from './chunk-store.ts'
import type { HashHex } from './hashing.ts'

const CHUNKS = 'chunks'
const MANIFESTS = 'manifests'
const RECORDS = 'records'

export interface IdbChunkStoreOptions {
  /** The IndexedDB factory; the global `indexedDB` by default. */
  indexedDB?: IDBFactory
  dbName?: string
  /** Writes waiting together commit in one transaction once they reach this many bytes. */
  batchBytes?: number
}

interface PendingPut {
  hash: HashHex
  bytes: Uint8Array
  settle: (error?: unknown) => void
}

/**
 * A ChunkStore in IndexedDB. Chunk writes arriving close together are committed in one
 * transaction (one commit per batch instead of per chunk is most of IndexedDB's write speed).
 */
export async function createIdbChunkStore(options: IdbChunkStoreOptions = {}): Promise<ChunkStore> {
  const factory = options.indexedDB ?? globalThis.indexedDB
  if (!factory) throw new Error('IndexedDB is not available: files cannot be stored')
  const request = factory.open(options.dbName ?? 'peerplace-files', 1)
  request.onupgradeneeded = () => {
    const db = request.result
    for (const name of [CHUNKS, MANIFESTS, RECORDS]) {
      if (!db.objectStoreNames.contains(name)) db.createObjectStore(name)
    }
  }
  request.onblocked = () => console.warn('file store: upgrade blocked by another tab')
  const db = (await wrap(request)) as IDBPDatabase
  const batchBytes = options.batchBytes ?? 4 * 1024 * 1024
  let pending: PendingPut[] = []
  let pendingBytes = 0
  let scheduled = false

  const flush = async (): Promise<void> => {
    scheduled = false
    const batch = pending
    pending = []
    pendingBytes = 0
    if (batch.length === 0) return
    try {
      const tx = db.transaction(CHUNKS, 'readwrite')
      for (const { hash, bytes } of batch) void tx.store.put(bytes, hash)
      await tx.done
      for (const put of batch) put.settle()
    } catch (error) {
      for (const put of batch) put.settle(error)
    }
  }

  return {
    getChunk: async (hash) => asBytes(await db.get(CHUNKS, hash)),
    putChunk: (hash, bytes) =>
      new Promise<void>((resolve, reject) => {
        // A view is copied, so the store never keeps (or clones) a larger buffer behind it.
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        pending.push({
          hash,
          bytes: own ? bytes : bytes.slice(),
          settle: (error) => (error === undefined ? resolve() : reject(toError(error))),
        })
        pendingBytes += bytes.byteLength
        if (pendingBytes >= batchBytes) void flush()
        else if (!scheduled) {
          scheduled = true
          setTimeout(() => void flush(), 0)
        }
      }),
    hasChunks: async (hashes) => {
      if (hashes.length === 0) return []
      const tx = db.transaction(CHUNKS, 'readonly')
      const keys = await Promise.all(hashes.map((hash) => tx.store.getKey(hash)))
      await tx.done
      return keys.map((key) => key !== undefined)
    },
    deleteChunks: async (hashes) => {
      const tx = db.transaction(CHUNKS, 'readwrite')
      for (const hash of hashes) void tx.store.delete(hash)
      await tx.done
    },
    chunkHashes: async () => (await db.getAllKeys(CHUNKS)).map((key) => key as HashHex),
    getManifest: async (fileId) => asBytes(await db.get(MANIFESTS, fileId)),
    putManifest: async (fileId, bytes) => {
      await db.put(MANIFESTS, bytes.slice(), fileId)
    },
    getRecord: async (fileId) => asRecord(await db.get(RECORDS, fileId)),
    putRecord: async (record) => {
      await db.put(RECORDS, record, record.fileId)
    },
    deleteFile: async (fileId) => {
      const tx = db.transaction([RECORDS, MANIFESTS], 'readwrite')
      void tx.objectStore(RECORDS).delete(fileId)
      void tx.objectStore(MANIFESTS).delete(fileId)
      await tx.done
    },
    records: async () =>
      (await db.getAll(RECORDS)).flatMap((value: unknown) => asRecord(value) ?? []),
    close: () => db.close(),
  }
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  return undefined
}

/** Records come back from storage another version may have written: checked, not trusted. */
function asRecord(value: unknown): LocalFileRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const r = value as Partial<LocalFileRecord>
  const numbers = [r.size, r.chunks, r.count, r.updatedAt]
  if (typeof r.fileId !== 'string' || !numbers.every((n) => typeof n === 'number')) return undefined
  return value as LocalFileRecord
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
