import { isPeerId, type PeerId } from '../ids.ts'
import { ByteReader, ByteWriter, DecodeError } from '../../lib/bytes.ts'

/**
 * The peer-to-peer link protocol, defined once for both ends. A frame is one data channel
 * message: a type byte, then that type's fields (big-endian, fixed order). Bump the version
 * for any change to the layout or meaning of a frame; `hello` carries it first.
 */
export const LINK_PROTOCOL_VERSION = 1

export const NONCE_LENGTH = 32
const PUBLIC_KEY_LENGTH = 32
const SIGNATURE_LENGTH = 64
const MAX_CLOSE_REASON_LENGTH = 256
/** A fragmented message has at most this many parts, whatever the channel's message size. */
export const MAX_FRAGMENT_COUNT = 16_384

const FRAME_TYPE = {
  hello: 1,
  'auth-proof': 2,
  ping: 3,
  pong: 4,
  data: 5,
  fragment: 6,
  close: 7,
} as const

/** First frame of each side: who it claims to be, and a fresh nonce for this connection. */
export interface HelloFrame {
  type: 'hello'
  version: number
  peerId: PeerId
  publicKey: Uint8Array
  nonce: Uint8Array
}
/** The signature over the handshake transcript (see transcript.ts). */
interface AuthProofFrame {
  type: 'auth-proof'
  signature: Uint8Array
}
/** Heartbeats; a pong echoes the ping's timestamp so the sender measures the round trip. */
interface PingFrame {
  type: 'ping'
  timestamp: number
}
interface PongFrame {
  type: 'pong'
  timestamp: number
}
/** One whole application message on a named channel. */
interface DataFrame {
  type: 'data'
  channel: string
  payload: Uint8Array
}
/** One part of an application message larger than the data channel's message size. */
export interface FragmentFrame {
  type: 'fragment'
  messageId: number
  index: number
  count: number
  channel: string
  bytes: Uint8Array
}
interface CloseFrame {
  type: 'close'
  reason: string
}

export type Frame =
  HelloFrame | AuthProofFrame | PingFrame | PongFrame | DataFrame | FragmentFrame | CloseFrame

export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: string }

/** Application channel names: short and printable ("mesh", "sync", "files"). */
export function isChannelName(value: string): boolean {
  return /^[A-Za-z0-9._:/-]{1,64}$/.test(value)
}

/** Bytes a data frame adds around its payload. */
export function dataFrameOverhead(channel: string): number {
  return 2 + channel.length
}

/** Bytes a fragment frame adds around its part. */
export function fragmentFrameOverhead(channel: string): number {
  return 14 + channel.length
}

export function encodeFrame(frame: Frame): Uint8Array {
  const out = new ByteWriter().u8(FRAME_TYPE[frame.type])
  switch (frame.type) {
    case 'hello':
      return out
        .u8(frame.version)
        .bytes(new TextEncoder().encode(frame.peerId))
        .bytes(frame.publicKey)
        .bytes(frame.nonce)
        .finish()
    case 'auth-proof':
      return out.bytes(frame.signature).finish()
    case 'ping':
    case 'pong':
      return out.f64(frame.timestamp).finish()
    case 'data':
      return out.string8(frame.channel).bytes(frame.payload).finish()
    case 'fragment':
      return out
        .u32(frame.messageId)
        .u32(frame.index)
        .u32(frame.count)
        .string8(frame.channel)
        .bytes(frame.bytes)
        .finish()
    case 'close':
      return out.string16(frame.reason.slice(0, MAX_CLOSE_REASON_LENGTH)).finish()
  }
}

/** Parses and validates one frame; never throws. */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, frame: readFrame(new ByteReader(bytes)) }
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error: error.message }
    return { ok: false, error: `undecodable frame: ${String(error)}` }
  }
}

function readFrame(reader: ByteReader): Frame {
  const type = reader.u8('frame type')
  let frame: Frame
  switch (type) {
    case FRAME_TYPE.hello: {
      const version = reader.u8('version')
      if (version !== LINK_PROTOCOL_VERSION) {
        throw new DecodeError(`unsupported link protocol version ${version}`)
      }
      const peerId = new TextDecoder().decode(reader.bytes(32, 'peer ID'))
      if (!isPeerId(peerId)) throw new DecodeError('malformed peer ID')
      const publicKey = reader.bytes(PUBLIC_KEY_LENGTH, 'public key').slice()
      const nonce = reader.bytes(NONCE_LENGTH, 'nonce').slice()
      frame = { type: 'hello', version, peerId, publicKey, nonce }
      break
    }
    case FRAME_TYPE['auth-proof']:
      frame = { type: 'auth-proof', signature: reader.bytes(SIGNATURE_LENGTH, 'signature').slice() }
      break
    case FRAME_TYPE.ping:
    case FRAME_TYPE.pong: {
      const timestamp = reader.f64('timestamp')
      if (!Number.isFinite(timestamp) || timestamp < 0) throw new DecodeError('bad timestamp')
      frame = { type: type === FRAME_TYPE.ping ? 'ping' : 'pong', timestamp }
      break
    }
    case FRAME_TYPE.data: {
      const channel = readChannel(reader)
      return { type: 'data', channel, payload: reader.rest() }
    }
    case FRAME_TYPE.fragment: {
      const messageId = reader.u32('message ID')
      const index = reader.u32('fragment index')
      const count = reader.u32('fragment count')
      if (count < 2 || count > MAX_FRAGMENT_COUNT) {
        throw new DecodeError(`fragment count ${count} outside 2..${MAX_FRAGMENT_COUNT}`)
      }
      if (index >= count) throw new DecodeError(`fragment index ${index} of ${count}`)
      const channel = readChannel(reader)
      const part = reader.rest()
      if (part.length === 0) throw new DecodeError('empty fragment')
      return { type: 'fragment', messageId, index, count, channel, bytes: part }
    }
    case FRAME_TYPE.close: {
      const reason = reader.string16('close reason')
      if (reason.length > MAX_CLOSE_REASON_LENGTH) throw new DecodeError('close reason too long')
      frame = { type: 'close', reason }
      break
    }
    default:
      throw new DecodeError(`unknown frame type ${type}`)
  }
  reader.end()
  return frame
}

function readChannel(reader: ByteReader): string {
  const channel = reader.string8('channel name')
  if (!isChannelName(channel)) throw new DecodeError('malformed channel name')
  return channel
}
