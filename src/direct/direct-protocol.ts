import { shownValue } from '../lib/shown-value.ts'
import { isHashHex, type HashHex } from '../files/hashing.ts'
import { normalizeDisplayName } from '../peer/identity/device-profile.ts'
import { base32 } from '../lib/base32.ts'
import { fromBase64Url } from '../lib/base64.ts'
import { isRecord } from '../lib/is-record.ts'

/**
 * The direct message protocol between two devices, outside any workplace, defined once for
 * both ends. Each message is one UTF-8 JSON object on the link channel `DIRECT_CHANNEL`:
 *
 *   hello    who I am: display name and public key (not acked; sent on every link-up)
 *   text     a message                                       } acked by ID, retried until acked,
 *   offer    a file offered (its files-engine ID, name…)     } stored once by the receiver
 *   answer   the offer's receiver: accepted / declined / …   } (a repeat is acked again and
 *   withdraw the offer's sender takes it back                } changes nothing)
 *   invite   a link into a workplace                         }
 *   ack      the IDs of messages stored
 *
 * A message from a newer protocol version, of an unknown type, or malformed is dropped with a
 * reason; nothing in it is used.
 */
const DIRECT_PROTOCOL_VERSION = 1
export const DIRECT_CHANNEL = 'direct'

/** A whole frame larger than this is dropped unread. */
export const MAX_FRAME_BYTES = 64 * 1024
/** Characters in one text message. */
export const MAX_TEXT_LENGTH = 10_000
const MAX_FILE_NAME_LENGTH = 255
/** The largest file offered or accepted (the receiver keeps it all on the device). */
export const MAX_FILE_BYTES = 4 * 1024 ** 3
const MAX_URL_LENGTH = 4096
const MAX_ACK_IDS = 256
const MAX_TYPE_LENGTH = 127
const MAX_WORKPLACE_NAME_LENGTH = 128

const MESSAGE_ID = /^[a-z2-7]{16,32}$/
const MIME = /^[\w.+-]+\/[\w.+-]+$/

/** States of a file offer the receiver reports. */
const ANSWERS = ['accepted', 'declined', 'received', 'failed', 'cancelled'] as const
export type Answer = (typeof ANSWERS)[number]

export interface OfferedFile {
  /** The files engine's ID (the verified manifest's SHA-256). */
  id: HashHex
  name: string
  size: number
  /** A MIME type, or '' when unknown. */
  type: string
}

export type DirectWire =
  | { t: 'hello'; name: string | null; key: string }
  | { t: 'text'; id: string; at: number; text: string }
  | { t: 'offer'; id: string; at: number; file: OfferedFile }
  | { t: 'answer'; id: string; at: number; offer: string; answer: Answer }
  | { t: 'withdraw'; id: string; at: number; offer: string }
  | { t: 'invite'; id: string; at: number; workplace: string; url: string }
  | { t: 'ack'; ids: string[] }

/** The messages that carry an ID and are acked. */
export type AckedWire = Exclude<DirectWire, { t: 'hello' } | { t: 'ack' }>

function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value)
}

/** A fresh random message ID (128 bits, base32). */
export function newMessageId(randomBytes: (bytes: Uint8Array) => void): string {
  const bytes = new Uint8Array(16)
  randomBytes(bytes)
  return base32(bytes)
}

export function encodeDirect(wire: DirectWire): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: DIRECT_PROTOCOL_VERSION, ...wire }))
  if (bytes.length > MAX_FRAME_BYTES) throw new Error('direct message too large')
  return bytes
}

/** Decodes and validates one frame; an Error says why it was refused. */
export function decodeDirect(bytes: Uint8Array): DirectWire | Error {
  if (bytes.length > MAX_FRAME_BYTES) return new Error(`frame of ${bytes.length} bytes`)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return new Error('not UTF-8 JSON')
  }
  if (!isRecord(value)) return new Error('not an object')
  if (value.v !== DIRECT_PROTOCOL_VERSION)
    return new Error(`unsupported version ${shownValue(value.v)}`)
  try {
    return parse(value)
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}

function parse(m: Record<string, unknown>): DirectWire {
  switch (m.t) {
    case 'hello':
      return { t: 'hello', name: displayName(m.name), key: publicKey(m.key) }
    case 'ack': {
      if (!Array.isArray(m.ids) || m.ids.length === 0 || m.ids.length > MAX_ACK_IDS) {
        throw new Error('bad ack IDs')
      }
      if (!m.ids.every(isMessageId)) throw new Error('bad ack ID')
      return { t: 'ack', ids: m.ids }
    }
    case 'text':
      return { t: 'text', ...head(m), text: text(m.text) }
    case 'offer':
      return { t: 'offer', ...head(m), file: offeredFile(m.file) }
    case 'answer': {
      if (!ANSWERS.includes(m.answer as Answer)) throw new Error('bad answer')
      return { t: 'answer', ...head(m), offer: id(m.offer), answer: m.answer as Answer }
    }
    case 'withdraw':
      return { t: 'withdraw', ...head(m), offer: id(m.offer) }
    case 'invite':
      return { t: 'invite', ...head(m), workplace: workplaceName(m.workplace), url: url(m.url) }
    default:
      throw new Error(`unknown type ${shownValue(m.t)}`)
  }
}

function head(m: Record<string, unknown>): { id: string; at: number } {
  const at = m.at
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) throw new Error('bad time')
  return { id: id(m.id), at }
}

function id(value: unknown): string {
  if (!isMessageId(value)) throw new Error('bad message ID')
  return value
}

/** Validates a text message's body (also used before sending, for a clear error). */
export function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error('the message is not text')
  if (value.trim().length === 0) throw new Error('the message is empty')
  if (value.length > MAX_TEXT_LENGTH) {
    throw new Error(`a message is at most ${MAX_TEXT_LENGTH.toLocaleString('en')} characters`)
  }
  return value
}

function displayName(value: unknown): string | null {
  if (value === null) return null
  if (typeof value !== 'string') throw new Error('bad name')
  return normalizeDisplayName(value)
}

function publicKey(value: unknown): string {
  if (typeof value !== 'string' || value.length > 64) throw new Error('bad key')
  if (fromBase64Url(value).length !== 32) throw new Error('a public key is 32 bytes')
  return value
}

function offeredFile(value: unknown): OfferedFile {
  if (!isRecord(value)) throw new Error('bad file')
  if (!isHashHex(value.id)) throw new Error('bad file ID')
  const size = value.size
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new Error('bad file size')
  }
  if (size > MAX_FILE_BYTES) throw new Error('file too large')
  const type = value.type
  if (typeof type !== 'string' || type.length > MAX_TYPE_LENGTH) throw new Error('bad type')
  return { id: value.id, name: fileName(value.name), size, type: MIME.test(type) ? type : '' }
}

/**
 * A file name as it may be shown and saved: no path, no control characters, not empty, at
 * most MAX_FILE_NAME_LENGTH characters. Throws for a name with nothing left.
 */
export function fileName(value: unknown): string {
  if (typeof value !== 'string' || value.length > 4 * MAX_FILE_NAME_LENGTH) {
    throw new Error('bad file name')
  }
  const cleaned = value
    .replace(/\p{Cc}/gu, '')
    .replace(/[/\\]/g, '_')
    .trim()
  const chars = [...cleaned]
  if (chars.length === 0 || cleaned === '.' || cleaned === '..') throw new Error('bad file name')
  return chars.slice(0, MAX_FILE_NAME_LENGTH).join('')
}

function workplaceName(value: unknown): string {
  if (typeof value !== 'string') throw new Error('bad workplace name')
  const cleaned = value
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (!cleaned || cleaned.length > MAX_WORKPLACE_NAME_LENGTH) throw new Error('bad workplace name')
  return cleaned
}

function url(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) throw new Error('bad link')
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new Error('bad link')
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('bad link')
  return value
}
