import { isPeerId, isTopic, type PeerId } from '../src/peer/ids.ts'
import { MAX_SIGNAL_DATA_CHARS } from '../src/peer/signaling/relay-protocol.ts'
import { jsonDepthExceeds } from './json-depth.ts'
import { shownValue } from '../src/lib/shown-value.ts'

/**
 * What crosses between relay instances. A room is the server's name for a topic (a topic, or
 * the "nearby" group of one network address, see client-address.ts). Peer IDs and rooms are all
 * an instance shares: it keeps no state another instance needs.
 */
export type RoomEvent = { kind: 'joined' | 'left'; room: string; peer: PeerId }

/** An event for the instance holding peer `to`. */
export type PeerEvent =
  /** A signal from `from`, who is in `rooms`; `data` is the signal's data as JSON text. */
  | { kind: 'signal'; to: PeerId; from: PeerId; rooms: string[]; data: string }
  /** A signal `to` sent to `peer` was not delivered. */
  | { kind: 'refused'; to: PeerId; peer: PeerId; code: 'unknown-peer' | 'busy' }
  /** `to` proved its key on another instance: the connection held here must go. */
  | { kind: 'replaced'; to: PeerId }

export type BusEvent = RoomEvent | PeerEvent

export function isRoomEvent(event: BusEvent): event is RoomEvent {
  return event.kind === 'joined' || event.kind === 'left'
}

/** What a bus calls back on its hub. */
export interface BusListener {
  /** Another instance's member joined or left a room this instance has members in. */
  room(event: RoomEvent): void
  /** An event for a peer claimed here. */
  peer(event: PeerEvent): void
  /** The bus came back after an outage: the hub's members should get fresh peer lists. */
  resync(): void
}

/** "local": one instance, nothing shared; "up"/"down": the shared bus is reachable or not. */
export type BusState = 'local' | 'up' | 'down'

/**
 * Everything relay instances must share. The hub routes between its own connections itself
 * and uses the bus only for the others. While the bus is down, an instance keeps serving its
 * own clients: lists hold only its own members, and the bus re-announces them once it is back.
 */
export interface RelayBus {
  readonly state: BusState
  /** Starts delivering events to the hub; called once. */
  attach(listener: BusListener): void
  /** `peer`, held here, joined `room`: tells the others; answers the room's peers held elsewhere. */
  join(room: string, peer: PeerId): Promise<PeerId[]>
  /** `peer`, held here, left `room`. */
  leave(room: string, peer: PeerId): void
  /** The room's peers held by other instances. */
  members(room: string): Promise<PeerId[]>
  /** `peer` proved its key here: an older connection elsewhere is replaced; its events come here. */
  claim(peer: PeerId): void
  /** `peer`'s connection here ended. */
  release(peer: PeerId): void
  /** Delivers an event to the instance holding `event.to`; false if none holds it (or down). */
  send(event: PeerEvent): Promise<boolean>
  close(): Promise<void>
}

const BUS_PROTOCOL_VERSION = 1

/** One bus message as it travels between instances: the event and the instance that sent it. */
export interface BusEnvelope {
  origin: string
  event: BusEvent
}

export function encodeEnvelope(envelope: BusEnvelope): string {
  return JSON.stringify({ v: BUS_PROTOCOL_VERSION, ...envelope })
}

const ROOM = /^(?:[A-Za-z0-9_.:-]{1,128}|nearby\|[0-9a-f.:]{1,45}|nearby\|local)$/
const ORIGIN = /^[A-Za-z0-9_-]{1,64}$/
const MAX_ROOMS = 64
const MAX_ENVELOPE_CHARS = MAX_SIGNAL_DATA_CHARS + 16 * 1024

function isRoom(value: unknown): value is string {
  return typeof value === 'string' && (ROOM.test(value) || isTopic(value))
}

/**
 * Checks a message from another instance (or anyone who can write to the bus) before use.
 * A signal's data must be JSON of bounded size and depth, since it is spliced into a frame.
 */
export function parseEnvelope(
  text: string,
): { ok: true; envelope: BusEnvelope } | { ok: false; error: string } {
  if (text.length > MAX_ENVELOPE_CHARS) return { ok: false, error: 'too large' }
  if (jsonDepthExceeds(text, 4)) return { ok: false, error: 'nested too deep' }
  let m: Record<string, unknown>
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, error: 'not an object' }
    }
    m = value as Record<string, unknown>
  } catch {
    return { ok: false, error: 'not JSON' }
  }
  if (m.v !== BUS_PROTOCOL_VERSION) return { ok: false, error: `version ${shownValue(m.v)}` }
  if (typeof m.origin !== 'string' || !ORIGIN.test(m.origin)) {
    return { ok: false, error: 'bad origin' }
  }
  const event = parseEvent(m.event)
  return typeof event === 'string'
    ? { ok: false, error: event }
    : { ok: true, envelope: { origin: m.origin, event } }
}

function parseEvent(value: unknown): BusEvent | string {
  if (typeof value !== 'object' || value === null) return 'event is not an object'
  const e = value as Record<string, unknown>
  switch (e.kind) {
    case 'joined':
    case 'left':
      if (!isRoom(e.room)) return `${e.kind}: bad room`
      if (!isPeerId(e.peer)) return `${e.kind}: bad peer`
      return { kind: e.kind, room: e.room, peer: e.peer }
    case 'signal': {
      if (!isPeerId(e.to) || !isPeerId(e.from)) return 'signal: bad peer'
      const rooms = e.rooms
      if (!Array.isArray(rooms) || rooms.length > MAX_ROOMS || !rooms.every(isRoom)) {
        return 'signal: bad rooms'
      }
      if (!isJsonText(e.data)) return 'signal: data is not bounded JSON'
      return { kind: 'signal', to: e.to, from: e.from, rooms: rooms as string[], data: e.data }
    }
    case 'refused':
      if (!isPeerId(e.to) || !isPeerId(e.peer)) return 'refused: bad peer'
      if (e.code !== 'unknown-peer' && e.code !== 'busy') return 'refused: bad code'
      return { kind: 'refused', to: e.to, peer: e.peer, code: e.code }
    case 'replaced':
      if (!isPeerId(e.to)) return 'replaced: bad peer'
      return { kind: 'replaced', to: e.to }
    default:
      return `unknown kind ${JSON.stringify(e.kind)?.slice(0, 40)}`
  }
}

function isJsonText(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SIGNAL_DATA_CHARS) {
    return false
  }
  if (jsonDepthExceeds(value, 32)) return false
  try {
    JSON.parse(value)
    return true
  } catch {
    return false
  }
}
