import type { ChunkStore } from './chunk-store.ts'
import { HASH_BYTES, toHex, type HashHex, type Sha256 } from './hashing.ts'
import { chunkCountFor, fileIdOf, Manifest } from './manifest.ts'

/**
 * Chunk size of new files: 256 KiB less the chunk message's header and the link's framing, so
 * a chunk travels in one data channel message under the 256 KiB SCTP limit (see
 * bench/files.bench.ts for the measurement behind the size).
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024 - 1024

/** Chunks read ahead of the one being hashed and stored. */
const READ_AHEAD = 3

export interface ImportOptions {
  store: ChunkStore
  sha256: Sha256
  chunkSize?: number
  signal?: AbortSignal
  onProgress?: (bytesDone: number) => void
  now?: () => number
}

/**
 * Cuts a Blob (a picked or dropped File) into chunks with `blob.slice`, hashes and stores each,
 * then stores the manifest and a record of the file as held in full. Only a few chunks are in
 * memory at a time, whatever the file's size.
 */
export async function importBlob(
  blob: Blob,
  options: ImportOptions,
): Promise<{ fileId: HashHex; manifest: Manifest }> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  const count = chunkCountFor(blob.size, chunkSize)
  const hashes = new Uint8Array(count * HASH_BYTES)
  const read = (index: number) =>
    blob
      .slice(index * chunkSize, Math.min(blob.size, (index + 1) * chunkSize))
      .arrayBuffer()
      .then((buffer) => new Uint8Array(buffer))
  const reads: Promise<Uint8Array>[] = []
  for (let i = 0; i < Math.min(READ_AHEAD, count); i++) reads.push(read(i))
  const writes: Promise<void>[] = []
  let done = 0
  for (let index = 0; index < count; index++) {
    options.signal?.throwIfAborted()
    const bytes = await reads.shift()!
    if (index + READ_AHEAD < count) reads.push(read(index + READ_AHEAD))
    const hash = await options.sha256(bytes)
    hashes.set(hash, index * HASH_BYTES)
    writes.push(options.store.putChunk(toHex(hash), bytes))
    if (writes.length >= READ_AHEAD) await writes.shift()
    done += bytes.length
    options.onProgress?.(done)
  }
  await Promise.all(writes)
  const manifest = new Manifest(blob.size, chunkSize, hashes)
  const fileId = await fileIdOf(manifest, options.sha256)
  await options.store.putManifest(fileId, manifest.encode())
  await options.store.putRecord({
    fileId,
    size: blob.size,
    chunks: count,
    count,
    wanted: true,
    updatedAt: (options.now ?? Date.now)(),
  })
  return { fileId, manifest }
}
