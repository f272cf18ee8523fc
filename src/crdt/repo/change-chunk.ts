import { next as Automerge } from '@automerge/automerge/slim'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** The first bytes of every Automerge chunk. */
const MAGIC = [0x85, 0x6f, 0x4a, 0x83]
const CHANGE = 1
const COMPRESSED_CHANGE = 2

/**
 * Whether `bytes` is one whole, intact Automerge change: the chunk header (magic bytes, type,
 * length) and its checksum, the first four bytes of the SHA-256 of the chunk after the
 * checksum. Checking that costs a hash; decoding the change (`Automerge.decodeChange`) builds
 * every operation as an object, several times the cost, and applying the change parses it
 * again anyway. A compressed change (its checksum covers the uncompressed bytes) is decoded.
 */
export function isIntactChange(bytes: Uint8Array): boolean {
  if (!isWholeChunk(bytes)) return false
  if (bytes[8] === COMPRESSED_CHANGE) {
    try {
      Automerge.decodeChange(bytes)
      return true
    } catch {
      return false
    }
  }
  const hash = sha256(bytes.subarray(8))
  return (
    hash[0] === bytes[4] && hash[1] === bytes[5] && hash[2] === bytes[6] && hash[3] === bytes[7]
  )
}

/**
 * Whether `bytes` is one whole change chunk by its header (magic bytes, a change type, and a
 * length that matches), without the checksum `isIntactChange` also checks.
 */
export function isWholeChunk(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 10 || MAGIC.some((b, i) => bytes[i] !== b)) return false
  const type = bytes[8]
  if (type !== CHANGE && type !== COMPRESSED_CHANGE) return false
  // The body's length: unsigned LEB128 after the type byte.
  let length = 0
  let at = 9
  for (let shift = 0; ; shift += 7) {
    if (at >= bytes.byteLength || shift > 28) return false
    const byte = bytes[at++]!
    length += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) break
  }
  return at + length === bytes.byteLength
}

/**
 * The hash Automerge knows an uncompressed change by (the SHA-256 of the chunk after its
 * checksum, in hex, as `decodeChange(bytes).hash` gives it, without decoding the operations);
 * undefined for anything else (a compressed change's hash covers bytes it does not hold).
 */
export function changeHash(bytes: Uint8Array): string | undefined {
  if (bytes.byteLength < 10 || bytes[8] !== CHANGE) return undefined
  return bytesToHex(sha256(bytes.subarray(8)))
}
