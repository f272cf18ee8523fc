import type { ChunkStore, LocalFileRecord } from './chunk-store.ts'
import type { HashHex } from './hashing.ts'

/** A ChunkStore in memory, for tests and for devices without IndexedDB. */
export function createMemoryChunkStore(): ChunkStore {
  const chunks = new Map<HashHex, Uint8Array>()
  const manifests = new Map<HashHex, Uint8Array>()
  const records = new Map<HashHex, LocalFileRecord>()
  return {
    getChunk: async (hash) => chunks.get(hash)?.slice(),
    putChunk: async (hash, bytes) => void chunks.set(hash, bytes.slice()),
    hasChunks: async (hashes) => hashes.map((hash) => chunks.has(hash)),
    deleteChunks: async (hashes) => hashes.forEach((hash) => chunks.delete(hash)),
    chunkHashes: async () => [...chunks.keys()],
    getManifest: async (fileId) => manifests.get(fileId)?.slice(),
    putManifest: async (fileId, bytes) => void manifests.set(fileId, bytes.slice()),
    getRecord: async (fileId) => structuredClone(records.get(fileId)),
    putRecord: async (record) => void records.set(record.fileId, structuredClone(record)),
    deleteFile: async (fileId) => {
      records.delete(fileId)
      manifests.delete(fileId)
    },
    records: async () => [...records.values()].map((r) => structuredClone(r)),
    close: () => {},
  }
}
