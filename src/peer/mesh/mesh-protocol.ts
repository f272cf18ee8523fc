import { isPeerId, type PeerId } from '../ids.ts'
import { isRecord } from '../../lib/is-record.ts'

/**
 * The mesh's wire format, shared by every peer. Everything the mesh sends travels on the
 * link channel `MESH_CHANNEL` as one frame:
 *
 *   [version u8][kind u8][header length u16 BE][header JSON, UTF-8][payload bytes]
 *
 * The only kind so far is a route envelope: a message for one peer (`to`) or for every
 * member of a group (`group`), forwarded hop by hop until its TTL runs out, de-duplicated
 * by `id`. Presence gossip (presence-protocol.ts) and mesh signals are payloads of envelopes on
 * reserved channels.
 */
const MESH_PROTOCOL_VERSION = 1
export const MESH_CHANNEL = 'mesh'

const KIND_ROUTE = 1
const PREFIX = 4
const MAX_HEADER_BYTES = 2048
export const MAX_TTL = 16
/** Larger payloads belong on a link's bulk channel, not in the mesh. */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024

const GROUP = /^[A-Za-z0-9_.:-]{1,128}$/
const CHANNEL = /^[A-Za-z0-9_.:-]{1,64}$/
const MESSAGE_ID = /^[a-z2-7]{16,32}$/

/** The name of a set of peers the layer above keeps connected (a workplace, say). */
export type GroupId = string

export function isGroupId(value: unknown): value is GroupId {
  return typeof value === 'string' && GROUP.test(value)
}

function isChannelName(value: unknown): value is string {
  return typeof value === 'string' && CHANNEL.test(value)
}

export interface RouteEnvelope {
  readonly id: string
  readonly from: PeerId
  /** Set for a message to one peer. Exactly one of `to` and `group` is set. */
  readonly to?: PeerId
  /** Set for a message flooded to every member of a group. */
  readonly group?: GroupId
  /** Hops this envelope may still travel after the current one. */
  readonly ttl: number
  /** Hops travelled so far (1 when it arrives straight from its sender). */
  readonly hops: number
  readonly channel: string
  readonly payload: Uint8Array
}

export type DecodeResult = { ok: true; envelope: RouteEnvelope } | { ok: false; reason: string }

export function encodeEnvelope(envelope: RouteEnvelope): Uint8Array {
  const { payload, ...header } = envelope
  const headerBytes = new TextEncoder().encode(JSON.stringify(header))
  if (headerBytes.length > MAX_HEADER_BYTES) throw new Error('mesh envelope header too large')
  if (payload.length > MAX_PAYLOAD_BYTES) throw new Error('mesh payload too large')
  const frame = new Uint8Array(PREFIX + headerBytes.length + payload.length)
  frame[0] = MESH_PROTOCOL_VERSION
  frame[1] = KIND_ROUTE
  new DataView(frame.buffer).setUint16(2, headerBytes.length)
  frame.set(headerBytes, PREFIX)
  frame.set(payload, PREFIX + headerBytes.length)
  return frame
}

/** Parses and validates one inbound frame; never throws. */
export function decodeEnvelope(frame: unknown): DecodeResult {
  if (!(frame instanceof Uint8Array)) return fail('not bytes')
  if (frame.length < PREFIX) return fail('frame too short')
  if (frame[0] !== MESH_PROTOCOL_VERSION) return fail(`unsupported version ${frame[0]}`)
  if (frame[1] !== KIND_ROUTE) return fail(`unknown kind ${frame[1]}`)
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.length).getUint16(2)
  if (headerLength > MAX_HEADER_BYTES || PREFIX + headerLength > frame.length) {
    return fail('bad header length')
  }
  if (frame.length - PREFIX - headerLength > MAX_PAYLOAD_BYTES) return fail('payload too large')
  let header: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      frame.subarray(PREFIX, PREFIX + headerLength),
    )
    header = JSON.parse(text)
  } catch {
    return fail('header is not JSON')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    return fail('header is not an object')
  }
  const h = header as Record<string, unknown>
  if (typeof h.id !== 'string' || !MESSAGE_ID.test(h.id)) return fail('bad id')
  if (!isPeerId(h.from)) return fail('bad from')
  if (!isHopCount(h.ttl, MAX_TTL)) return fail('bad ttl')
  if (!isHopCount(h.hops, MAX_TTL + 1)) return fail('bad hops')
  if (!isChannelName(h.channel)) return fail('bad channel')
  const hasTo = h.to !== undefined
  const hasGroup = h.group !== undefined
  if (hasTo === hasGroup) return fail('need exactly one of to and group')
  if (hasTo && !isPeerId(h.to)) return fail('bad to')
  if (hasGroup && !isGroupId(h.group)) return fail('bad group')
  const payload = frame.slice(PREFIX + headerLength)
  const base = { id: h.id, from: h.from, ttl: h.ttl, hops: h.hops, channel: h.channel, payload }
  const envelope: RouteEnvelope = hasTo
    ? { ...base, to: h.to as PeerId }
    : { ...base, group: h.group as GroupId }
  return { ok: true, envelope }
}

/** A fresh message ID: 16 random bytes, base32. */
export function newMessageId(random: (bytes: Uint8Array) => void): string {
  const bytes = new Uint8Array(16)
  random(bytes)
  let out = ''
  for (let i = 0; i < 26; i++) {
    const bit = i * 5
    const byte = bytes[bit >> 3] ?? 0
    const next = bytes[(bit >> 3) + 1] ?? 0
    out += 'abcdefghijklmnopqrstuvwxyz234567'[(((byte << 8) | next) >> (11 - (bit & 7))) & 31]
  }
  return out
}

function isHopCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason }
}

/** Envelope channels the mesh itself uses; the layer above must not use the `mesh.` prefix. */
export const PRESENCE_CHANNEL = 'mesh.presence'
export const SIGNAL_CHANNEL = 'mesh.signal'

const MAX_SIGNAL_BYTES = 64 * 1024

/** Wraps an opaque signal (SDP or ICE JSON) for the mesh signal channel. */
export function encodeSignal(data: unknown): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: MESH_PROTOCOL_VERSION, data }))
  if (bytes.length > MAX_SIGNAL_BYTES) throw new Error('signal too large')
  return bytes
}

export function decodeSignal(
  payload: Uint8Array,
): { ok: true; data: unknown } | { ok: false; reason: string } {
  if (payload.length > MAX_SIGNAL_BYTES) return fail('signal too large')
  const value = parseJson(payload)
  if (!isRecord(value)) return fail('signal is not a JSON object')
  if (value.v !== MESH_PROTOCOL_VERSION) return fail('unsupported signal version')
  if (value.data === undefined) return fail('signal without data')
  return { ok: true, data: value.data }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return undefined
  }
}
