import { BackupError } from './backup-error.ts'

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
  const out = new Uint8Array(5 + payload.length)
  out[0] = type
  new DataView(out.buffer).setUint32(1, payload.length)
  out.set(payload, 5)
  return out
}

export interface RawRecord {
  type: RecordType
  payload: Uint8Array
}

/** Splits a plaintext stream (any piece sizes) into records. */
export async function* readRecords(pieces: AsyncIterable<Uint8Array>): AsyncGenerator<RawRecord> {
  let pending: Uint8Array = new Uint8Array(0)
  let parts: Uint8Array[] = []
  let have = 0
  const join = () => {
    if (parts.length === 0) return
    const joined = new Uint8Array(pending.length + have)
    joined.set(pending, 0)
    let at = pending.length
    for (const part of parts) {
      joined.set(part, at)
      at += part.length
    }
    pending = joined
    parts = []
    have = 0
  }
  for await (const piece of pieces) {
    parts.push(piece)
    have += piece.length
    if (pending.length + have < 5) continue
    join()
    while (pending.length >= 5) {
      const type = pending[0]!
      const length = new DataView(pending.buffer, pending.byteOffset).getUint32(1)
      if (!isRecordType(type) || length > MAX_RECORD_BYTES) {
        throw new BackupError('invalid-content', 'The backup holds a record of an unknown kind.')
      }
      if (pending.length < 5 + length) break
      yield { type, payload: pending.slice(5, 5 + length) }
      pending = pending.subarray(5 + length)
    }
  }
  join()
  if (pending.length > 0) {
    throw new BackupError('invalid-content', 'The backup ends inside a record.')
  }
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
  const size = 8 + text.length + blobs.reduce((n, b) => n + 4 + b.length, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  view.setUint32(0, text.length)
  out.set(text, 4)
  let at = 4 + text.length
  view.setUint32(at, blobs.length)
  at += 4
  for (const blob of blobs) {
    view.setUint32(at, blob.length)
    out.set(blob, at + 4)
    at += 4 + blob.length
  }
  return out
}

/** The inverse of encodeValue; throws BackupError('invalid-content') on malformed input. */
export function decodeValue(bytes: Uint8Array): unknown {
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
    blobs.push(bytes.slice(at + 4, at + 4 + length))
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
