import type { HashHex } from './hashing.ts'

/** What this device knows of one file it holds (in full or in part). */
export interface LocalFileRecord {
  fileId: HashHex
  size: number
  /** Chunks verified and stored. */
  chunks: number
  /** Chunks in the file. */
  count: number
  /** Whether the device means to hold it in full (a download or plan not finished yet). */
  wanted: boolean
  updatedAt: number
}

/**
 * Content-addressed storage of this device: chunks keyed by their SHA-256 (one copy however many
 * files share a chunk), manifests by file ID, and a record per file held. Values are never
 * checked here: callers verify hashes before `putChunk`.
 */
export interface ChunkStore {
  getChunk(hash: HashHex): Promise<Uint8Array | undefined>
  /** Stores a chunk (the bytes are copied; a view is not kept). */
  putChunk(hash: HashHex, bytes: Uint8Array): Promise<void>
  /** For each hash, whether its chunk is stored. */
  hasChunks(hashes: readonly HashHex[]): Promise<boolean[]>
  deleteChunks(hashes: readonly HashHex[]): Promise<void>
  /** The hash of every chunk stored. */
  chunkHashes(): Promise<HashHex[]>
  getManifest(fileId: HashHex): Promise<Uint8Array | undefined>
  putManifest(fileId: HashHex, bytes: Uint8Array): Promise<void>
  getRecord(fileId: HashHex): Promise<LocalFileRecord | undefined>
  putRecord(record: LocalFileRecord): Promise<void>
  /** Removes a file's record and manifest (not its chunks: see FileTransfers.removeLocal). */
  deleteFile(fileId: HashHex): Promise<void>
  records(): Promise<LocalFileRecord[]>
  close(): void
}
