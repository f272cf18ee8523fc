import { ByteReader, ByteWriter, DecodeError } from '../lib/bytes.ts'
import { HASH_BYTES, toHex, fromHex, type HashHex } from './hashing.ts'

/**
 * The file transfer protocol, defined once for both ends. Control messages travel on the
 * link's main channel (`FILES_CHANNEL`), chunk data and manifests on its bulk channel
 * (`FILES_DATA_CHANNEL`). Every message starts with the protocol version and a type byte.
 * Bump the version for any change to a layout or meaning.
 */
export const FILES_PROTOCOL_VERSION = 1
export const FILES_CHANNEL = 'files'
export const FILES_DATA_CHANNEL = 'files.data'

/** Ranges one request may hold, and chunks one range may span. */
export const MAX_RANGES = 255
export const MAX_RANGE_LENGTH = 4096
const MAX_SCOPE_LENGTH = 128

const TYPE = {
  open: 1,
  opened: 2,
  refused: 3,
  request: 4,
  chunk: 5,
  missing: 6,
  cancel: 7,
} as const

/** Why a holder refused: shown to people, so each says what to do. */
const REFUSAL = {
  'not-member': 1,
  'unknown-file': 2,
  'not-held': 3,
  'not-opened': 4,
} as const
export type RefusalCode = keyof typeof REFUSAL

/** "May I fetch this file, and which chunks do you hold?" (scope: the workplace, or a share). */
export interface OpenMessage {
  type: 'open'
  requestId: number
  fileId: HashHex
  scope: string
  wantManifest: boolean
}
/** The holder's answer: a bitmap of the chunks it holds, and the manifest when asked. */
export interface OpenedMessage {
  type: 'opened'
  requestId: number
  fileId: HashHex
  count: number
  /** Bit i (most significant first in each byte) set when chunk i is held. */
  bitmap: Uint8Array
  manifest: Uint8Array | null
}
export interface RefusedMessage {
  type: 'refused'
  requestId: number
  fileId: HashHex
  code: RefusalCode
  detail: string
}
export interface ChunkRange {
  start: number
  length: number
}
/** Asks for chunks by index; answered by one `chunk` (or `missing`) per index, in order. */
export interface RequestMessage {
  type: 'request'
  fileId: HashHex
  ranges: ChunkRange[]
}
export interface ChunkMessage {
  type: 'chunk'
  fileId: HashHex
  index: number
  hash: HashHex
  data: Uint8Array
}
export interface MissingMessage {
  type: 'missing'
  fileId: HashHex
  index: number
}
/** Drops every chunk of the file still queued for the sender of this message. */
export interface CancelMessage {
  type: 'cancel'
  fileId: HashHex
}

export type FilesMessage =
  | OpenMessage
  | OpenedMessage
  | RefusedMessage
  | RequestMessage
  | ChunkMessage
  | MissingMessage
  | CancelMessage

export function encodeFilesMessage(message: FilesMessage): Uint8Array {
  const out = new ByteWriter().u8(FILES_PROTOCOL_VERSION).u8(TYPE[message.type])
  switch (message.type) {
    case 'open':
      return out
        .u32(message.requestId)
        .bytes(fromHex(message.fileId))
        .u8(message.wantManifest ? 1 : 0)
        .string8(message.scope)
        .finish()
    case 'opened':
      return out
        .u32(message.requestId)
        .bytes(fromHex(message.fileId))
        .u32(message.count)
        .bytes(message.bitmap)
        .bytes(message.manifest ?? new Uint8Array(0))
        .finish()
    case 'refused':
      return out
        .u32(message.requestId)
        .bytes(fromHex(message.fileId))
        .u8(REFUSAL[message.code])
        .string16(message.detail.slice(0, 500))
        .finish()
    case 'request': {
      out.bytes(fromHex(message.fileId)).u8(message.ranges.length)
      for (const { start, length } of message.ranges) out.u32(start).u32(length)
      return out.finish()
    }
    case 'chunk':
      return out
        .bytes(fromHex(message.fileId))
        .u32(message.index)
        .bytes(fromHex(message.hash))
        .bytes(message.data)
        .finish()
    case 'missing':
      return out.bytes(fromHex(message.fileId)).u32(message.index).finish()
    case 'cancel':
      return out.bytes(fromHex(message.fileId)).finish()
  }
}

/** Parses and validates one message; never throws. A chunk's data is a view into `bytes`. */
export function decodeFilesMessage(bytes: Uint8Array): FilesMessage | Error {
  try {
    return read(new ByteReader(bytes))
  } catch (error) {
    return error instanceof DecodeError ? new Error(error.message) : new Error(String(error))
  }
}

function read(reader: ByteReader): FilesMessage {
  const version = reader.u8('protocol version')
  if (version !== FILES_PROTOCOL_VERSION) {
    throw new DecodeError(`unsupported files protocol version ${version}`)
  }
  const type = reader.u8('message type')
  let message: FilesMessage
  switch (type) {
    case TYPE.open: {
      const requestId = reader.u32('request ID')
      const fileId = readHash(reader, 'file ID')
      const flags = reader.u8('flags')
      if (flags > 1) throw new DecodeError(`unknown open flags ${flags}`)
      const scope = reader.string8('scope')
      if (scope.length === 0 || scope.length > MAX_SCOPE_LENGTH) throw new DecodeError('bad scope')
      message = { type: 'open', requestId, fileId, scope, wantManifest: flags === 1 }
      break
    }
    case TYPE.opened: {
      const requestId = reader.u32('request ID')
      const fileId = readHash(reader, 'file ID')
      const count = reader.u32('chunk count')
      const bitmap = reader.bytes(Math.ceil(count / 8), 'bitmap').slice()
      const rest = reader.rest()
      const manifest = rest.length > 0 ? rest.slice() : null
      return { type: 'opened', requestId, fileId, count, bitmap, manifest }
    }
    case TYPE.refused: {
      const requestId = reader.u32('request ID')
      const fileId = readHash(reader, 'file ID')
      const code = refusalCode(reader.u8('refusal code'))
      message = { type: 'refused', requestId, fileId, code, detail: reader.string16('detail') }
      break
    }
    case TYPE.request: {
      const fileId = readHash(reader, 'file ID')
      const count = reader.u8('range count')
      if (count === 0 || count > MAX_RANGES) throw new DecodeError(`${count} ranges`)
      const ranges: ChunkRange[] = []
      for (let i = 0; i < count; i++) {
        const start = reader.u32('range start')
        const length = reader.u32('range length')
        if (length === 0 || length > MAX_RANGE_LENGTH) throw new DecodeError('bad range length')
        if (start + length > 0xffffffff) throw new DecodeError('range beyond the last index')
        ranges.push({ start, length })
      }
      message = { type: 'request', fileId, ranges }
      break
    }
    case TYPE.chunk: {
      const fileId = readHash(reader, 'file ID')
      const index = reader.u32('chunk index')
      const hash = readHash(reader, 'chunk hash')
      return { type: 'chunk', fileId, index, hash, data: reader.rest() }
    }
    case TYPE.missing:
      message = { type: 'missing', fileId: readHash(reader, 'file ID'), index: reader.u32('index') }
      break
    case TYPE.cancel:
      message = { type: 'cancel', fileId: readHash(reader, 'file ID') }
      break
    default:
      throw new DecodeError(`unknown message type ${type}`)
  }
  reader.end()
  return message
}

function readHash(reader: ByteReader, what: string): HashHex {
  return toHex(reader.bytes(HASH_BYTES, what))
}

function refusalCode(value: number): RefusalCode {
  const entry = Object.entries(REFUSAL).find(([, code]) => code === value)
  if (!entry) throw new DecodeError(`unknown refusal code ${value}`)
  return entry[0] as RefusalCode
}
