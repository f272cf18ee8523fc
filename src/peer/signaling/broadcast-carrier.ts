import { Emitter } from '../../lib/emitter.ts'
import { isPeerId, isTopic, type PeerId, type Topic } from '../ids.ts'
import type { SignalCarrier, SignalCarrierEvents, SignalingState } from './signaling.ts'
import { shownValue } from '../../lib/shown-value.ts'

/**
 * A SignalCarrier over BroadcastChannel: the tabs of one browser (one profile) meet without any
 * server. Presence: a tab `announce`s its topics when it joins one (others answer `hello`),
 * repeats them in a `heartbeat`, and says `bye` when it leaves or closes. A tab that vanishes
 * without `bye` (crash, killed page) is dropped once it misses heartbeats for `peerTimeoutMs`.
 */
export interface BroadcastCarrierOptions {
  self: PeerId
  /** Defaults to "peerplace-signaling". Tabs meet only on the same channel name. */
  channelName?: string
  /** The platform's BroadcastChannel class (injectable for tests and other runtimes). */
  BroadcastChannel?: typeof BroadcastChannel
  heartbeatMs?: number
  peerTimeoutMs?: number
  now?: () => number
  /** Where dropped messages are reported. Defaults to console.warn. */
  log?: (message: string) => void
}

const BROADCAST_PROTOCOL_VERSION = 1
const MAX_TOPICS = 64
const MAX_DATA_CHARS = 64 * 1024

type PresenceType = 'announce' | 'hello' | 'heartbeat'
type BroadcastMessage =
  | { v: 1; t: PresenceType; from: PeerId; topics: Topic[] }
  | { v: 1; t: 'bye'; from: PeerId; topics: Topic[] }
  | { v: 1; t: 'signal'; from: PeerId; to: PeerId; data: unknown }

export function createBroadcastCarrier(options: BroadcastCarrierOptions): SignalCarrier {
  return new BroadcastCarrier(options)
}

class BroadcastCarrier extends Emitter<SignalCarrierEvents> implements SignalCarrier {
  readonly kind = 'broadcast' as const
  readonly endpoint: string
  #state: SignalingState = 'open'
  readonly #self: PeerId
  readonly #channel: BroadcastChannel
  readonly #now: () => number
  readonly #log: (message: string) => void
  readonly #peerTimeoutMs: number
  readonly #topics = new Set<Topic>()
  /** Per joined topic: the peers seen there and when we last heard of them. */
  readonly #present = new Map<Topic, Map<PeerId, number>>()
  readonly #timer: ReturnType<typeof setInterval>

  constructor(options: BroadcastCarrierOptions) {
    super()
    const Channel = options.BroadcastChannel ?? globalThis.BroadcastChannel
    if (!Channel) throw new Error('BroadcastChannel is not available in this environment')
    const name = options.channelName ?? 'peerplace-signaling'
    this.endpoint = `broadcast ${name}`
    this.#self = options.self
    this.#now = options.now ?? Date.now
    this.#log = options.log ?? ((message) => console.warn(`[signaling:broadcast] ${message}`))
    const heartbeatMs = options.heartbeatMs ?? 1000
    this.#peerTimeoutMs = options.peerTimeoutMs ?? heartbeatMs * 3.5
    this.#channel = new Channel(name)
    this.#channel.onmessage = (event: MessageEvent) => this.#receive(event.data)
    this.#channel.onmessageerror = () => this.#log('dropped a message that could not be decoded')
    this.#timer = setInterval(() => this.#tick(), heartbeatMs)
  }

  get state(): SignalingState {
    return this.#state
  }

  join(topic: Topic): void {
    if (this.#state === 'closed' || this.#topics.has(topic)) return
    if (this.#topics.size >= MAX_TOPICS) {
      this.emit('error', { message: `cannot join more than ${MAX_TOPICS} topics` })
      return
    }
    this.#topics.add(topic)
    this.#present.set(topic, new Map())
    this.#post({ v: 1, t: 'announce', from: this.#self, topics: [...this.#topics] })
  }

  leave(topic: Topic): void {
    if (this.#state === 'closed' || !this.#topics.delete(topic)) return
    this.#present.delete(topic)
    this.#post({ v: 1, t: 'bye', from: this.#self, topics: [topic] })
  }

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#present.get(topic)?.keys() ?? [])]
  }

  send(to: PeerId, data: unknown): void {
    if (this.#state === 'closed') throw new Error('the broadcast carrier is closed')
    this.#post({ v: 1, t: 'signal', from: this.#self, to, data })
  }

  close(): void {
    if (this.#state === 'closed') return
    if (this.#topics.size > 0) {
      this.#post({ v: 1, t: 'bye', from: this.#self, topics: [...this.#topics] })
    }
    clearInterval(this.#timer)
    this.#state = 'closed'
    this.#channel.close()
    this.#topics.clear()
    this.#present.clear()
    this.emit('state', 'closed')
    this.removeAllListeners()
  }

  #post(message: BroadcastMessage): void {
    try {
      this.#channel.postMessage(message)
    } catch (error) {
      this.emit('error', { message: `could not post on the broadcast channel: ${String(error)}` })
    }
  }

  #tick(): void {
    if (this.#topics.size > 0) {
      this.#post({ v: 1, t: 'heartbeat', from: this.#self, topics: [...this.#topics] })
    }
    const oldest = this.#now() - this.#peerTimeoutMs
    for (const [topic, peers] of this.#present) {
      for (const [peer, seen] of peers) if (seen < oldest) this.#depart(topic, peer)
    }
  }

  #receive(raw: unknown): void {
    if (this.#state === 'closed') return
    const message = parseBroadcastMessage(raw)
    if (typeof message === 'string') return this.#log(`dropped a message: ${message}`)
    if (message.from === this.#self) return
    switch (message.t) {
      case 'signal':
        if (message.to === this.#self)
          this.emit('signal', { from: message.from, data: message.data })
        return
      case 'bye':
        for (const topic of message.topics) this.#depart(topic, message.from)
        return
      default:
        this.#updatePresence(message.from, message.topics)
        if (message.t === 'announce' && this.#topics.size > 0) {
          this.#post({ v: 1, t: 'hello', from: this.#self, topics: [...this.#topics] })
        }
    }
  }

  /** `topics` is the sender's whole list: joined topics absent from it mean it left them. */
  #updatePresence(peer: PeerId, topics: readonly Topic[]): void {
    const now = this.#now()
    for (const [topic, peers] of this.#present) {
      if (topics.includes(topic)) {
        const known = peers.has(peer)
        peers.set(peer, now)
        if (!known) this.emit('peer-joined', { topic, peer })
      } else {
        this.#depart(topic, peer)
      }
    }
  }

  #depart(topic: Topic, peer: PeerId): void {
    if (this.#present.get(topic)?.delete(peer)) this.emit('peer-left', { topic, peer })
  }
}

/** Validates a message from another tab; returns it, or the reason it is invalid. */
function parseBroadcastMessage(raw: unknown): BroadcastMessage | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object'
  const m = raw as Record<string, unknown>
  if (m.v !== BROADCAST_PROTOCOL_VERSION) return `unsupported version ${shownValue(m.v, 20)}`
  if (!isPeerId(m.from)) return 'no valid sender'
  switch (m.t) {
    case 'announce':
    case 'hello':
    case 'heartbeat':
    case 'bye': {
      const topics = m.topics
      if (!Array.isArray(topics) || topics.length > MAX_TOPICS || !topics.every(isTopic)) {
        return `${m.t} without a valid topic list`
      }
      return { v: 1, t: m.t, from: m.from, topics }
    }
    case 'signal': {
      if (!isPeerId(m.to)) return 'signal without a valid recipient'
      const data = jsonCopy(m.data)
      if (data === undefined) return 'signal data missing, not JSON or too large'
      return { v: 1, t: 'signal', from: m.from, to: m.to, data }
    }
    default:
      return `unknown type ${shownValue(m.t, 20)}`
  }
}

/** A plain-JSON copy of a structured-cloned value, or undefined if it is not small JSON. */
function jsonCopy(value: unknown): unknown {
  if (value === undefined) return undefined
  try {
    const text = JSON.stringify(value) as string | undefined
    return text !== undefined && text.length <= MAX_DATA_CHARS ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
}
