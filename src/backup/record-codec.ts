import { BackupError } from './backup-error.ts'
import { ByteReader } from './byte-reader.ts'

/**
 * The records inside a backup's plaintext: type u8 | length u32 | payload. A backup is one
 * MANIFEST, then IDENTITY, STORE_ITEM and LOCAL_SETTING records, then one END.
 */
export const RecordType = {
  MANIFEST: 1,
  IDENTITY: 2,
  STORE_ITEM: 3,
  LOCAL_SETTING: 4,
  END: 5,
} as const
export type RecordType = (typeof RecordType)[keyof typeof RecordType]

/** No single stored value is this large; a bigger length means a damaged record. */
const MAX_RECORD_BYTES = 512 * 1024 * 1024

export function encodeRecord(type: RecordType, payload: Uint8Array): Uint8Array {
  return join(recordParts(type, [payload]))
}

/**
 * A record as pieces: its 5-byte head, then the payload's pieces as they are (not copied), for
 * a writer that copies each byte once into its frame.
 */
export function recordParts(type: RecordType, payload: readonly Uint8Array[]): Uint8Array[] {
  const head = new Uint8Array(5)
  head[0] = type
  new DataView(head.buffer).setUint32(
    1,
    payload.reduce((n, part) => n + part.length, 0),
  )
  return [head, ...payload]
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

export interface RawRecord {
  type: RecordType
  payload: Uint8Array
}

/**
 * Splits a plaintext stream (any piece sizes) into records. Payloads are views into the
 * stream's pieces where they can be (decoding copies what is kept).
 */
export async function* readRecords(pieces: AsyncIterable<Uint8Array>): AsyncGenerator<RawRecord> {
  const reader = new ByteReader(pieces)
  try {
    for (;;) {
      const head = await reader.read(5)
      if (head.length === 0) return
      if (head.length < 5) break
      const type = head[0]!
      const length = new DataView(head.buffer, head.byteOffset).getUint32(1)
      if (!isRecordType(type) || length > MAX_RECORD_BYTES) {
        throw new BackupError('invalid-content', 'The backup holds a record of an unknown kind.')
      }
      const payload = await reader.read(length)
      if (payload.length < length) break
      yield { type, payload }
    }
  } finally {
    await reader.cancel()
  }
  throw new BackupError('invalid-content', 'The backup ends inside a record.')
}

function isRecordType(value: number): value is RecordType {
  return value >= RecordType.MANIFEST && value <= RecordType.END
}

const BYTES_TAG = '\u0000bytes'

/**
 * Encodes a stored value: JSON for its structure, with every Uint8Array (or ArrayBuffer) moved
 * out as raw bytes after it. Layout: json length u32 | json | count u32 | (length u32 | bytes)*.
 * Anything else JSON cannot keep (a Date, a Map, a CryptoKey) is refused rather than altered.
 */
export function encodeValue(value: unknown): Uint8Array {
  return join(encodeValueParts(value))
}

/** encodeValue's bytes as pieces; the value's own byte arrays are among them, not copied. */
export function encodeValueParts(value: unknown): Uint8Array[] {
  const blobs: Uint8Array[] = []
  const json = JSON.stringify(value, function (this: unknown, key, replaced: unknown) {
    // The value before any toJSON (a Date arrives here as a string otherwise).
    const item = (this as Record<string, unknown>)[key] ?? replaced
    if (item instanceof Uint8Array) return { [BYTES_TAG]: blobs.push(item) - 1 }
    if (item instanceof ArrayBuffer) return { [BYTES_TAG]: blobs.push(new Uint8Array(item)) - 1 }
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const proto = Object.getPrototypeOf(item) as unknown
      if (proto !== Object.prototype && proto !== null) {
        throw new BackupError('cannot-back-up', `A stored value of an unsupported kind was found.`)
      }
    }
    if (typeof item === 'number' && !Number.isFinite(item)) {
      throw new BackupError('cannot-back-up', 'A stored value holds a number JSON cannot keep.')
    }
    return item
  })
  const text = new TextEncoder().encode(json ?? 'null')
  const head = new Uint8Array(4 + text.length + 4)
  const view = new DataView(head.buffer)
  view.setUint32(0, text.length)
  head.set(text, 4)
  view.setUint32(4 + text.length, blobs.length)
  const parts: Uint8Array[] = [head]
  for (const blob of blobs) {
    const length = new Uint8Array(4)
    new DataView(length.buffer).setUint32(0, blob.length)
    parts.push(length, blob)
  }
  return parts
}

/**
 * The inverse of encodeValue; throws BackupError('invalid-content') on malformed input. Byte
 * arrays in the value are copies (to be stored on their own) unless `copy` is false (a value
 * only checked, then dropped).
 */
export function decodeValue(bytes: Uint8Array, copy = true): unknown {
  const bad = () => new BackupError('invalid-content', 'The backup holds a malformed value.')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 8) throw bad()
  const textLength = view.getUint32(0)
  if (4 + textLength + 4 > bytes.length) throw bad()
  let at = 4 + textLength
  const count = view.getUint32(at)
  at += 4
  const blobs: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw bad()
    const length = view.getUint32(at)
    if (at + 4 + length > bytes.length) throw bad()
    blobs.push(
      copy ? bytes.slice(at + 4, at + 4 + length) : bytes.subarray(at + 4, at + 4 + length),
    )
    at += 4 + length
  }
  if (at !== bytes.length) throw bad()
  let used = 0
  let parsed: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + textLength))
    parsed = JSON.parse(text, (_key, item: unknown) => {
      if (typeof item === 'object' && item !== null && BYTES_TAG in item) {
        const index = (item as Record<string, unknown>)[BYTES_TAG]
        const blob = typeof index === 'number' ? blobs[index] : undefined
        if (!blob) throw bad()
        used++
        return blob
      }
      return item
    })
  } catch {
    throw bad()
  }
  if (used !== blobs.length) throw bad()
  return parsed
}

/** A small JSON record payload (manifest, end, settings). */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

export function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new BackupError('invalid-content', 'The backup holds a malformed record.')
  }
}
