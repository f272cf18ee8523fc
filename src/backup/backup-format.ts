import { BackupError } from './backup-error.ts'
import { kdfInBounds, type KdfParams } from '../lib/kdf-params.ts'

/**
 * The backup file format, version 1.
 *
 * header (74 bytes, plaintext):
 *   magic "PEERPLACE-BACKUP" (16) | version u16 | kdf u8 (1 = scrypt) | log2(N) u8 | r u8 | p u8
 *   | frame size u32 (largest plaintext per frame) | salt (16) | HMAC-SHA256 of the bytes before it (32)
 * then frames: ciphertext length u32 | AES-256-GCM ciphertext with its 16-byte tag.
 *
 * Frame i is sealed with nonce = i (u64) | final flag (u32, 1 on the last frame only) and the
 * whole header as associated data, so a reordered, dropped, repeated or foreign frame fails to
 * open, and a file cut at a frame boundary is missing its final frame. Integers are big-endian.
 * The plaintext across frames is a stream of records (see record-codec.ts).
 */
export const MAGIC = new TextEncoder().encode('PEERPLACE-BACKUP')
const FORMAT_VERSION = 1
const KDF_SCRYPT = 1
export const SALT_BYTES = 16
export const MAC_BYTES = 32
export const HEADER_BYTES = MAGIC.length + 2 + 4 + 4 + SALT_BYTES + MAC_BYTES
export const TAG_BYTES = 16
/** Large frames: fewer encryption calls and copies per MiB (a reader holds one at a time). */
export const DEFAULT_FRAME_BYTES = 4 * 1024 * 1024
export const MAX_FRAME_BYTES = 8 * 1024 * 1024

export type { KdfParams }

/** scrypt with 128 MiB of memory: about a second on a laptop, far longer per guess on a GPU. */
export const DEFAULT_KDF: KdfParams = { log2N: 17, r: 8, p: 1 }

export interface HeaderFields {
  kdf: KdfParams
  frameBytes: number
  salt: Uint8Array
}

/** The header bytes before the MAC; the MAC is appended by the writer once the key is known. */
export function encodeHeaderBody(fields: HeaderFields): Uint8Array {
  const body = new Uint8Array(HEADER_BYTES - MAC_BYTES)
  const view = new DataView(body.buffer)
  body.set(MAGIC, 0)
  let at = MAGIC.length
  view.setUint16(at, FORMAT_VERSION)
  body[at + 2] = KDF_SCRYPT
  body[at + 3] = fields.kdf.log2N
  body[at + 4] = fields.kdf.r
  body[at + 5] = fields.kdf.p
  view.setUint32(at + 6, fields.frameBytes)
  at += 10
  body.set(fields.salt, at)
  return body
}

/** Parses and bounds-checks a header (the MAC is checked once the key is derived). */
export function parseHeader(header: Uint8Array): HeaderFields & { mac: Uint8Array } {
  if (header.length < HEADER_BYTES || !startsWithMagic(header)) {
    throw new BackupError('not-a-backup', 'This file is not a Peerplace backup.')
  }
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength)
  let at = MAGIC.length
  const version = view.getUint16(at)
  if (version !== FORMAT_VERSION) {
    throw new BackupError(
      'unsupported-version',
      `This backup is in format version ${version}; this version of Peerplace reads version ${FORMAT_VERSION}.`,
    )
  }
  const kdf = { log2N: header[at + 3]!, r: header[at + 4]!, p: header[at + 5]! }
  const frameBytes = view.getUint32(at + 6)
  if (
    header[at + 2] !== KDF_SCRYPT ||
    !kdfInBounds(kdf) ||
    frameBytes < 1 ||
    frameBytes > MAX_FRAME_BYTES
  ) {
    throw new BackupError('damaged', 'The backup header is damaged (unknown key settings).')
  }
  at += 10
  return {
    kdf,
    frameBytes,
    salt: header.slice(at, at + SALT_BYTES),
    mac: header.slice(at + SALT_BYTES, at + SALT_BYTES + MAC_BYTES),
  }
}

/** The AES-GCM nonce of frame `index`. */
export function frameNonce(index: number, final: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12)
  const view = new DataView(nonce.buffer)
  view.setUint32(0, Math.floor(index / 2 ** 32))
  view.setUint32(4, index >>> 0)
  view.setUint32(8, final ? 1 : 0)
  return nonce
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => bytes[i] === byte)
}
