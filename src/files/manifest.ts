import { ByteReader, ByteWriter, DecodeError } from '../lib/bytes.ts'
import { HASH_BYTES, toHex, type HashHex, type Sha256 } from './hashing.ts'

const MANIFEST_VERSION = 1
const MIN_CHUNK_SIZE = 1024
const MAX_CHUNK_SIZE = 4 * 1024 * 1024
/** Files up to this size (bytes) can be described; the count of chunks must fit in a u32. */
export const MAX_FILE_SIZE = 2 ** 50

/**
 * The chunk list of one file: its size, the chunk size it was cut with, and the SHA-256 of each
 * chunk, in order. Its encoding is hashed to give the file ID, so a manifest fetched from any
 * peer is checked against the ID before use, and every chunk then against its hash.
 */
export class Manifest {
  readonly size: number
  readonly chunkSize: number
  /** The chunk hashes, 32 bytes each, concatenated. */
  readonly hashes: Uint8Array

  constructor(size: number, chunkSize: number, hashes: Uint8Array) {
    const problem = checkShape(size, chunkSize, hashes.length)
    if (problem) throw new RangeError(problem)
    this.size = size
    this.chunkSize = chunkSize
    this.hashes = hashes
  }

  get count(): number {
    return this.hashes.length / HASH_BYTES
  }

  hash(index: number): Uint8Array {
    return this.hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES)
  }

  hashHex(index: number): HashHex {
    return toHex(this.hash(index))
  }

  /** Bytes of chunk `index` (every chunk is `chunkSize` but the last). */
  chunkLength(index: number): number {
    return Math.min(this.chunkSize, this.size - index * this.chunkSize)
  }

  encode(): Uint8Array {
    return new ByteWriter()
      .u8(MANIFEST_VERSION)
      .u32(this.chunkSize)
      .f64(this.size)
      .bytes(this.hashes)
      .finish()
  }

  static decode(bytes: Uint8Array): Manifest | Error {
    try {
      const reader = new ByteReader(bytes)
      const version = reader.u8('manifest version')
      if (version !== MANIFEST_VERSION) return new Error(`unknown manifest version ${version}`)
      const chunkSize = reader.u32('chunk size')
      const size = reader.f64('file size')
      const hashes = reader.rest().slice()
      const problem = checkShape(size, chunkSize, hashes.length)
      return problem ? new Error(problem) : new Manifest(size, chunkSize, hashes)
    } catch (error) {
      return error instanceof DecodeError ? new Error(error.message) : new Error(String(error))
    }
  }
}

/** The file ID: SHA-256 over the encoded manifest. */
export async function fileIdOf(manifest: Manifest, sha256: Sha256): Promise<HashHex> {
  return toHex(await sha256(manifest.encode()))
}

export function chunkCountFor(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

function checkShape(size: number, chunkSize: number, hashBytes: number): string | undefined {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    return `chunk size ${chunkSize} outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE) {
    return `file size ${size} is not a valid size`
  }
  if (hashBytes % HASH_BYTES !== 0) return 'chunk hashes are not whole 32-byte hashes'
  const count = hashBytes / HASH_BYTES
  if (count !== chunkCountFor(size, chunkSize)) {
    return `${count} chunk hashes for ${size} bytes in ${chunkSize}-byte chunks`
  }
  return undefined
}
