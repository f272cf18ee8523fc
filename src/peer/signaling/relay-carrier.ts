import { toBase64 } from '../../lib/base64.ts'
import { startTrace } from '../../lib/start-trace.ts'
import { Emitter } from '../../lib/emitter.ts'
import type { Identity } from '../identity/identity.ts'
import { isTopic, type PeerId, type Topic } from '../ids.ts'
import { backoffDelay, type BackoffOptions } from '../../lib/backoff.ts'
import { monotonicClock, type Clock, type ClockTimer } from '../../lib/clock.ts'
import {
  RELAY_PROTOCOL_VERSION,
  encodeMessage,
  isSignalData,
  parseServerMessage,
  relayAuthMessage,
  type ClientMessage,
  type RelayRate,
  type ServerMessage,
} from './relay-protocol.ts'
import { SendPacer, paceUnder } from './send-pacer.ts'
import type {
  SignalCarrier,
  SignalCarrierEvents,
  SignalingKind,
  SignalingState,
} from './signaling.ts'

/** The part of a WebSocket the carrier uses: the browser's and the `ws` package's both fit. */
export interface RelaySocket {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

export type RelaySocketConstructor = new (url: string) => RelaySocket

export interface RelayCarrierOptions {
  /** The relay's WebSocket URL, e.g. "wss://example.org/relay". */
  url: string
  identity: Identity
  /** Default globalThis.WebSocket. */
  WebSocket?: RelaySocketConstructor
  /** Reconnect after a drop (default true), waiting as `backoff` says. */
  reconnect?: boolean
  backoff?: BackoffOptions
  clock?: Clock
  random?: () => number
  /** Ping period; a connection silent for two periods is treated as dead. Default 15 s. */
  pingIntervalMs?: number
  /** Time from opening a socket to being welcomed. Default 10 s. */
  connectTimeoutMs?: number
}

const OPEN = 1
/** What relays enforce unless they say otherwise (signaling/config.ts DEFAULT_LIMITS). */
const USUAL_RELAY_RATE = { perSecond: 20, burst: 50 }

/**
 * A SignalCarrier over the project's relay: authenticates with the device key, joins topics
 * (again after every reconnect) and carries opaque signals. `peers()` mirrors the relay's view:
 * it empties, with a `peer-left` for each, when the connection drops.
 */
export class RelayCarrier extends Emitter<SignalCarrierEvents> implements SignalCarrier {
  readonly kind: SignalingKind = 'relay'
  readonly endpoint: string

  readonly #options: RelayCarrierOptions
  readonly #clock: Clock
  readonly #WebSocket: RelaySocketConstructor
  readonly #topics = new Set<Topic>()
  readonly #peers = new Map<Topic, Set<PeerId>>()
  #state: SignalingState = 'connecting'
  #socket: RelaySocket | undefined
  #welcomed = false
  /** Keeps our frames under the relay's rate limit (what it announced, or the usual one). */
  readonly #pacer: SendPacer
  #attempt = 0
  #lastHeard = 0
  #retryTimer: ClockTimer | undefined
  #pingTimer: ClockTimer | undefined
  #connectTimer: ClockTimer | undefined
  /** Set when retrying is pointless (closed by us, or replaced by another connection). */
  #stopped = false

  constructor(options: RelayCarrierOptions) {
    super()
    this.#options = options
    this.endpoint = `relay ${options.url}`
    this.#clock = options.clock ?? monotonicClock()
    const WebSocketClass = options.WebSocket ?? globalThis.WebSocket
    if (!WebSocketClass) throw new Error('no WebSocket implementation: pass one in the options')
    this.#WebSocket = WebSocketClass
    this.#pacer = new SendPacer({
      rate: paceUnder(USUAL_RELAY_RATE),
      clock: this.#clock,
      onDrop: (count) => this.#error(`${count} frames to the relay dropped: sending too fast`),
    })
    this.#connect()
  }

  get state(): SignalingState {
    return this.#state
  }

  join(topic: Topic): void {
    if (!isTopic(topic)) return this.#error(`not a valid topic: ${String(topic).slice(0, 80)}`)
    this.#topics.add(topic)
    if (this.#welcomed) this.#send({ type: 'join', topic })
  }

  leave(topic: Topic): void {
    if (!this.#topics.delete(topic)) return
    if (this.#welcomed) this.#send({ type: 'leave', topic })
    for (const peer of this.#peers.get(topic) ?? []) this.emit('peer-left', { topic, peer })
    this.#peers.delete(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#peers.get(topic) ?? [])]
  }

  send(to: PeerId, data: unknown): void {
    if (!this.#welcomed) return this.#error(`not connected to the relay: signal to ${to} dropped`)
    if (!isSignalData(data)) return this.#error(`signal to ${to} is not JSON or is too large`)
    this.#send({ type: 'signal', to, data })
  }

  close(): void {
    if (this.#stopped && this.#state === 'closed') return
    this.#stopped = true
    this.#clearTimers()
    const socket = this.#socket
    this.#socket = undefined
    this.#welcomed = false
    this.#pacer.reset()
    socket?.close(1000, 'closed by the client')
    this.#peers.clear()
    this.#setState('closed')
  }

  #connect(): void {
    this.#setState('connecting')
    let socket: RelaySocket
    try {
      socket = new this.#WebSocket(this.#options.url)
    } catch (error) {
      this.#error(`cannot open ${this.#options.url}: ${String(error)}`)
      this.#stopped = true
      this.#setState('closed')
      return
    }
    this.#socket = socket
    this.#lastHeard = this.#clock.now()
    socket.addEventListener('message', (event) => this.#receive(socket, event.data))
    socket.addEventListener('close', () => this.#dropped(socket))
    // A close always follows; listening also keeps Node's `ws` from throwing on the error.
    socket.addEventListener('error', () => {})
    this.#connectTimer = this.#clock.setTimeout(
      () => this.#abandon(socket, 'the relay did not welcome us in time'),
      this.#options.connectTimeoutMs ?? 10_000,
    )
  }

  #receive(socket: RelaySocket, data: unknown): void {
    if (socket !== this.#socket) return
    this.#lastHeard = this.#clock.now()
    if (typeof data !== 'string') return this.#error('the relay sent a binary frame; dropped')
    const parsed = parseServerMessage(data)
    if (!parsed.ok) return this.#error(`the relay sent an invalid message (${parsed.error})`)
    this.#handle(socket, parsed.message)
  }

  #handle(socket: RelaySocket, message: ServerMessage): void {
    switch (message.type) {
      case 'challenge':
        startTrace('relay-challenge')
        if (message.version !== RELAY_PROTOCOL_VERSION) {
          const versions = `relay speaks v${message.version}, we speak v${RELAY_PROTOCOL_VERSION}`
          return this.#abandon(socket, `incompatible relay: ${versions}`)
        }
        return void this.#hello(socket, message.nonce)
      case 'welcome':
        if (message.peerId !== this.#options.identity.peerId) {
          return this.#abandon(socket, 'the relay welcomed another peer ID')
        }
        startTrace('relay-welcome')
        return this.#welcome(message.limits)
      case 'peers':
        startTrace('relay-peers', message.peers.join(' '))
        return this.#replacePeers(message.topic, message.peers)
      case 'peer-joined':
        return this.#peerJoined(message.topic, message.peer)
      case 'peer-left':
        return this.#peerLeft(message.topic, message.peer)
      case 'signal':
        return this.emit('signal', { from: message.from, data: message.data })
      case 'error': {
        const about = message.ref ? ` (${message.ref})` : ''
        if (message.code === 'replaced') this.#stopped = true
        return this.#error(`relay: ${message.code}: ${message.message}${about}`)
      }
      case 'pong':
        return
    }
  }

  async #hello(socket: RelaySocket, nonce: string): Promise<void> {
    const { identity } = this.#options
    let signature: Uint8Array
    try {
      signature = await identity.sign(relayAuthMessage(nonce))
    } catch (error) {
      return this.#abandon(socket, `could not sign the relay's challenge: ${String(error)}`)
    }
    if (socket !== this.#socket) return
    this.#send({
      type: 'hello',
      version: RELAY_PROTOCOL_VERSION,
      peerId: identity.peerId,
      publicKey: toBase64(identity.publicKey),
      signature: toBase64(signature),
    })
  }

  #welcome(limits: RelayRate | undefined): void {
    if (limits) {
      this.#pacer.setRate(paceUnder({ perSecond: limits.messagesPerSecond, burst: limits.burst }))
    }
    this.#clock.clearTimeout(this.#connectTimer)
    this.#welcomed = true
    this.#attempt = 0
    for (const topic of this.#topics) this.#send({ type: 'join', topic })
    this.#schedulePing()
    this.#setState('open')
  }

  #schedulePing(): void {
    const interval = this.#options.pingIntervalMs ?? 15_000
    this.#pingTimer = this.#clock.setTimeout(() => {
      const socket = this.#socket
      if (!socket || !this.#welcomed) return
      if (this.#clock.now() - this.#lastHeard > 2 * interval) {
        return this.#abandon(socket, 'the relay stopped answering')
      }
      this.#send({ type: 'ping' })
      this.#schedulePing()
    }, interval)
  }

  #replacePeers(topic: Topic, peers: readonly PeerId[]): void {
    if (!this.#topics.has(topic)) return
    const next = new Set(peers.filter((peer) => peer !== this.#options.identity.peerId))
    const previous = this.#peers.get(topic) ?? new Set()
    this.#peers.set(topic, next)
    for (const peer of previous) if (!next.has(peer)) this.emit('peer-left', { topic, peer })
    for (const peer of next) if (!previous.has(peer)) this.emit('peer-joined', { topic, peer })
  }

  #peerJoined(topic: Topic, peer: PeerId): void {
    if (!this.#topics.has(topic) || peer === this.#options.identity.peerId) return
    let set = this.#peers.get(topic)
    if (!set) this.#peers.set(topic, (set = new Set()))
    if (set.has(peer)) return
    set.add(peer)
    this.emit('peer-joined', { topic, peer })
  }

  #peerLeft(topic: Topic, peer: PeerId): void {
    if (this.#peers.get(topic)?.delete(peer)) this.emit('peer-left', { topic, peer })
  }

  /** Gives up on a socket that misbehaves or hangs, as if it had dropped. */
  #abandon(socket: RelaySocket, reason: string): void {
    if (socket !== this.#socket) return
    this.#error(reason)
    socket.close(1000, 'abandoned')
    this.#dropped(socket, true)
  }

  #dropped(socket: RelaySocket, reported = false): void {
    if (socket !== this.#socket) return
    if (!this.#welcomed && !reported) this.#error(`could not connect to ${this.#options.url}`)
    this.#socket = undefined
    this.#welcomed = false
    this.#clearTimers()
    this.#pacer.reset()
    const peers = [...this.#peers]
    this.#peers.clear()
    for (const [topic, set] of peers)
      for (const peer of set) this.emit('peer-left', { topic, peer })
    if (this.#stopped || this.#options.reconnect === false) {
      this.#stopped = true
      return this.#setState('closed')
    }
    this.#setState('connecting')
    const delay = backoffDelay(this.#attempt++, this.#options.backoff, this.#options.random)
    this.#retryTimer = this.#clock.setTimeout(() => this.#connect(), delay)
  }

  #send(message: ClientMessage): void {
    const socket = this.#socket
    if (socket?.readyState !== OPEN) return
    const frame = encodeMessage(message)
    this.#pacer.submit(() => {
      if (socket === this.#socket && socket.readyState === OPEN) socket.send(frame)
    })
  }

  #clearTimers(): void {
    this.#clock.clearTimeout(this.#retryTimer)
    this.#clock.clearTimeout(this.#connectTimer)
    this.#clock.clearTimeout(this.#pingTimer)
  }

  #setState(state: SignalingState): void {
    if (this.#state === state) return
    this.#state = state
    this.emit('state', state)
  }

  #error(message: string): void {
    this.emit('error', { message })
  }
}

export function createRelayCarrier(options: RelayCarrierOptions): RelayCarrier {
  return new RelayCarrier(options)
}
