/**
 * The relay's WebSocket protocol, shared by the server (signaling/) and the browser adapter.
 * Every frame is one JSON object with a `type`. A connection starts with the server's
 * `challenge`; the client answers `hello`, proving it holds the key of its peer ID by signing
 * `relayAuthMessage(nonce)`; only then may it join topics and send signals.
 */
import { isBase64 } from '../../lib/base64.ts'
import { isPeerId, isTopic, type PeerId, type Topic } from '../ids.ts'

export const RELAY_PROTOCOL_VERSION = 1

/** Where the relay listens on its server's origin. */
export const RELAY_PATH = '/relay'

/** The relay URL of the origin that served a page: "https://x.org/app" -> "wss://x.org/relay". */
export function relayUrlForOrigin(pageUrl: string, path: string = RELAY_PATH): string {
  const url = new URL(path, pageUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}

/** The topic that the server maps to "everyone behind my network address". */
export const NEARBY_TOPIC = 'nearby' as Topic

/** Default upper bound of one frame, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024
/** Upper bound of a signal's `data`, as JSON text; leaves room for the envelope. */
export const MAX_SIGNAL_DATA_CHARS = 60 * 1024

export type ClientMessage =
  | { type: 'hello'; version: number; peerId: PeerId; publicKey: string; signature: string }
  | { type: 'join'; topic: Topic }
  | { type: 'leave'; topic: Topic }
  | { type: 'signal'; to: PeerId; data: unknown }
  | { type: 'ping' }

export type RelayErrorCode =
  | 'bad-json'
  | 'unknown-type'
  | 'bad-message'
  | 'too-large'
  | 'too-deep'
  | 'rate-limited'
  | 'not-authenticated'
  | 'bad-auth'
  | 'bad-version'
  | 'too-many-topics'
  | 'unknown-peer'
  | 'busy'
  | 'slow-reader'
  | 'too-many-violations'
  | 'replaced'
  | 'server-full'
  | 'address-limit'
  | 'auth-timeout'

export type ServerMessage =
  | { type: 'challenge'; nonce: string; version: number }
  /** `limits`: the frames per second (and burst) this connection may send; clients pace to it. */
  | { type: 'welcome'; peerId: PeerId; limits?: RelayRate }
  | { type: 'peers'; topic: Topic; peers: PeerId[] }
  | { type: 'peer-joined'; topic: Topic; peer: PeerId }
  | { type: 'peer-left'; topic: Topic; peer: PeerId }
  | { type: 'signal'; from: PeerId; data: unknown }
  /** `ref` names what the error is about: the offending message's type, a topic or a peer. */
  | { type: 'error'; code: RelayErrorCode; message: string; ref?: string }
  | { type: 'pong' }

/** A rate the relay enforces on one connection's frames. */
export interface RelayRate {
  messagesPerSecond: number
  burst: number
}

type ParseErrorCode = 'bad-json' | 'unknown-type' | 'bad-message'

interface ParseFailure {
  ok: false
  code: ParseErrorCode
  error: string
  ref?: string
}

export type ParseResult<M> = { ok: true; message: M } | ParseFailure

/** The bytes a client signs to answer a challenge; domain-separated from every other use of the key. */
export function relayAuthMessage(nonce: string): Uint8Array {
  return new TextEncoder().encode(`peerplace-relay-v${RELAY_PROTOCOL_VERSION}:${nonce}`)
}

export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  const object = parseObject(text)
  if (!object.ok) return object
  const m = object.message
  switch (m.type) {
    case 'hello':
      if (typeof m.version !== 'number') return bad('hello.version must be a number', 'hello')
      if (!isPeerId(m.peerId)) return bad('hello.peerId is not a peer ID', 'hello')
      if (!isBase64Field(m.publicKey, 64)) return bad('hello.publicKey must be base64', 'hello')
      if (!isBase64Field(m.signature, 128)) return bad('hello.signature must be base64', 'hello')
      return ok({
        type: 'hello',
        version: m.version,
        peerId: m.peerId,
        publicKey: m.publicKey,
        signature: m.signature,
      })
    case 'join':
    case 'leave':
      if (!isTopic(m.topic)) return bad(`${m.type}.topic is not a valid topic`, m.type)
      return ok({ type: m.type, topic: m.topic })
    case 'signal':
      if (!isPeerId(m.to)) return bad('signal.to is not a peer ID', 'signal')
      if (!isSignalData(m.data)) return bad('signal.data is missing or too large', 'signal')
      return ok({ type: 'signal', to: m.to, data: m.data })
    case 'ping':
      return ok({ type: 'ping' })
    default:
      return unknownType(m.type)
  }
}

export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  const object = parseObject(text)
  if (!object.ok) return object
  const m = object.message
  switch (m.type) {
    case 'challenge':
      if (!isBase64Field(m.nonce, 128)) return bad('challenge.nonce must be base64', 'challenge')
      if (typeof m.version !== 'number') return bad('challenge.version must be a number')
      return ok({ type: 'challenge', nonce: m.nonce, version: m.version })
    case 'welcome':
      if (!isPeerId(m.peerId)) return bad('welcome.peerId is not a peer ID', 'welcome')
      if (m.limits === undefined) return ok({ type: 'welcome', peerId: m.peerId })
      if (!isRelayRate(m.limits)) return bad('welcome.limits is not a valid rate', 'welcome')
      return ok({
        type: 'welcome',
        peerId: m.peerId,
        limits: { messagesPerSecond: m.limits.messagesPerSecond, burst: m.limits.burst },
      })
    case 'peers':
      if (!isTopic(m.topic)) return bad('peers.topic is not a valid topic', 'peers')
      if (!Array.isArray(m.peers) || !m.peers.every(isPeerId)) {
        return bad('peers.peers must be a list of peer IDs', 'peers')
      }
      return ok({ type: 'peers', topic: m.topic, peers: m.peers })
    case 'peer-joined':
    case 'peer-left':
      if (!isTopic(m.topic)) return bad(`${m.type}.topic is not a valid topic`, m.type)
      if (!isPeerId(m.peer)) return bad(`${m.type}.peer is not a peer ID`, m.type)
      return ok({ type: m.type, topic: m.topic, peer: m.peer })
    case 'signal':
      if (!isPeerId(m.from)) return bad('signal.from is not a peer ID', 'signal')
      if (!isSignalData(m.data)) return bad('signal.data is missing or too large', 'signal')
      return ok({ type: 'signal', from: m.from, data: m.data })
    case 'error': {
      if (typeof m.code !== 'string' || typeof m.message !== 'string') {
        return bad('error needs a code and a message', 'error')
      }
      const error: ServerMessage = {
        type: 'error',
        code: m.code as RelayErrorCode,
        message: m.message.slice(0, 500),
      }
      if (typeof m.ref === 'string') error.ref = m.ref.slice(0, 200)
      return ok(error)
    }
    case 'pong':
      return ok({ type: 'pong' })
    default:
      return unknownType(m.type)
  }
}

/** Serializes a message of either direction. */
export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message)
}

function isBase64Field(value: unknown, maxLength: number): value is string {
  return (
    typeof value === 'string' && value.length > 0 && value.length <= maxLength && isBase64(value)
  )
}

/** True for a JSON value whose text fits MAX_SIGNAL_DATA_CHARS. */
export function isSignalData(value: unknown): boolean {
  if (value === undefined) return false
  try {
    const text = JSON.stringify(value) as string | undefined
    return text !== undefined && text.length <= MAX_SIGNAL_DATA_CHARS
  } catch {
    return false
  }
}

type Loose = Record<string, unknown> & { type: string }

function parseObject(text: string): { ok: true; message: Loose } | ParseFailure {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, code: 'bad-json', error: 'the message is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'bad-json', error: 'the message must be a JSON object' }
  }
  const type = (value as Record<string, unknown>).type
  if (typeof type !== 'string') return bad('the message has no string "type"')
  return { ok: true, message: value as Loose }
}

function ok<M>(message: M): ParseResult<M> {
  return { ok: true, message }
}

function bad(error: string, ref?: string): ParseFailure {
  const failure: ParseFailure = { ok: false, code: 'bad-message', error }
  if (ref !== undefined) failure.ref = ref
  return failure
}

function unknownType(type: string): ParseFailure {
  const ref = type.slice(0, 40)
  return { ok: false, code: 'unknown-type', error: `unknown message type "${ref}"`, ref }
}

function isRelayRate(value: unknown): value is RelayRate {
  if (typeof value !== 'object' || value === null) return false
  const { messagesPerSecond, burst } = value as Record<string, unknown>
  return (
    typeof messagesPerSecond === 'number' &&
    Number.isFinite(messagesPerSecond) &&
    messagesPerSecond > 0 &&
    Number.isSafeInteger(burst) &&
    (burst as number) >= 1
  )
}
