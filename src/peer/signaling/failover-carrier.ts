import { Emitter } from '../emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import {
  backoffDelay,
  systemCarrierClock,
  type BackoffOptions,
  type CarrierClock,
} from './backoff.ts'
import type {
  SignalCarrier,
  SignalCarrierEvents,
  SignalingKind,
  SignalingState,
} from './signaling.ts'

/** One way to reach a signaling service; `create` opens a fresh carrier to it. */
export interface FailoverEndpoint {
  /** Shown until the carrier is created, e.g. "relay wss://example.org/relay". */
  name: string
  create(): SignalCarrier
}

export interface FailoverCarrierOptions {
  /** In order of preference. */
  endpoints: readonly FailoverEndpoint[]
  /** How long an endpoint may take to open before the next is tried. Default 8 s. */
  openTimeoutMs?: number
  /** The pause after every endpoint failed once, growing with each such round. */
  backoff?: BackoffOptions
  clock?: CarrierClock
  random?: () => number
}

/**
 * A SignalCarrier over an ordered list of endpoints: uses the first that opens; when it fails to
 * open or later drops, moves to the next (round and round, pausing between rounds), joining the
 * same topics there. Peers seen through a dropped endpoint are reported as having left.
 */
export class FailoverCarrier extends Emitter<SignalCarrierEvents> implements SignalCarrier {
  readonly #options: FailoverCarrierOptions
  readonly #clock: CarrierClock
  readonly #topics = new Set<Topic>()
  readonly #peers = new Map<Topic, Set<PeerId>>()
  #state: SignalingState = 'connecting'
  #index = 0
  #round = 0
  #current: { carrier: SignalCarrier; unsubscribe: () => void } | undefined
  #timer: unknown
  #closed = false

  constructor(options: FailoverCarrierOptions) {
    super()
    if (options.endpoints.length === 0) throw new Error('failover needs at least one endpoint')
    this.#options = options
    this.#clock = options.clock ?? systemCarrierClock
    this.#try()
  }

  get state(): SignalingState {
    return this.#state
  }

  get kind(): SignalingKind {
    return this.#current?.carrier.kind ?? 'relay'
  }

  /** The endpoint in use (or being tried). */
  get endpoint(): string {
    return this.#current?.carrier.endpoint ?? this.#endpointAt(this.#index).name
  }

  join(topic: Topic): void {
    this.#topics.add(topic)
    this.#current?.carrier.join(topic)
  }

  leave(topic: Topic): void {
    if (!this.#topics.delete(topic)) return
    this.#current?.carrier.leave(topic)
    this.#forgetPeers(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#peers.get(topic) ?? [])]
  }

  send(to: PeerId, data: unknown): void {
    if (!this.#current)
      return this.emit('error', { message: `no signaling endpoint: signal to ${to} dropped` })
    this.#current.carrier.send(to, data)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.#release()
    this.#peers.clear()
    this.#setState('closed')
  }

  #try(): void {
    if (this.#closed) return
    const endpoint = this.#endpointAt(this.#index)
    let carrier: SignalCarrier
    try {
      carrier = endpoint.create()
    } catch (error) {
      return this.#failed(`${endpoint.name}: ${String(error)}`)
    }
    const offs = [
      carrier.on('state', (state) => this.#innerState(carrier, state)),
      carrier.on('peer-joined', (event) => this.#peerJoined(carrier, event.topic, event.peer)),
      carrier.on('peer-left', (event) => this.#peerLeft(carrier, event.topic, event.peer)),
      carrier.on(
        'signal',
        (event) => this.#current?.carrier === carrier && this.emit('signal', event),
      ),
      carrier.on(
        'error',
        (event) => this.#current?.carrier === carrier && this.emit('error', event),
      ),
    ]
    this.#current = { carrier, unsubscribe: () => offs.forEach((off) => off()) }
    for (const topic of this.#topics) carrier.join(topic)
    if (carrier.state === 'open') return this.#opened()
    if (carrier.state === 'closed') return this.#failed(`${carrier.endpoint} is closed`)
    this.#timer = this.#clock.setTimeout(
      () => this.#failed(`${carrier.endpoint} did not open in time`),
      this.#options.openTimeoutMs ?? 8000,
    )
  }

  #innerState(carrier: SignalCarrier, state: SignalingState): void {
    if (this.#current?.carrier !== carrier) return
    if (state === 'open') return this.#opened()
    if (this.#state === 'open' || state === 'closed') {
      this.#failed(`${carrier.endpoint} ${state === 'closed' ? 'closed' : 'dropped'}`)
    }
  }

  #opened(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#round = 0
    this.#setState('open')
  }

  /** Leaves the current endpoint and schedules the next one. */
  #failed(reason: string): void {
    if (this.#closed) return
    this.#clock.clearTimeout(this.#timer)
    this.#release()
    for (const topic of [...this.#peers.keys()]) this.#forgetPeers(topic)
    this.#setState('connecting')
    this.#index = (this.#index + 1) % this.#options.endpoints.length
    const next = this.#endpointAt(this.#index).name
    this.emit('error', { message: `signaling: ${reason}; trying ${next}` })
    if (this.#index !== 0) return this.#try()
    const delay = backoffDelay(this.#round++, this.#options.backoff, this.#options.random)
    this.#timer = this.#clock.setTimeout(() => this.#try(), delay)
  }

  #release(): void {
    const current = this.#current
    this.#current = undefined
    current?.unsubscribe()
    current?.carrier.close()
  }

  #peerJoined(carrier: SignalCarrier, topic: Topic, peer: PeerId): void {
    if (this.#current?.carrier !== carrier || !this.#topics.has(topic)) return
    let set = this.#peers.get(topic)
    if (!set) this.#peers.set(topic, (set = new Set()))
    if (set.has(peer)) return
    set.add(peer)
    this.emit('peer-joined', { topic, peer })
  }

  #peerLeft(carrier: SignalCarrier, topic: Topic, peer: PeerId): void {
    if (this.#current?.carrier !== carrier) return
    if (this.#peers.get(topic)?.delete(peer)) this.emit('peer-left', { topic, peer })
  }

  #forgetPeers(topic: Topic): void {
    const set = this.#peers.get(topic)
    this.#peers.delete(topic)
    for (const peer of set ?? []) this.emit('peer-left', { topic, peer })
  }

  #endpointAt(index: number): FailoverEndpoint {
    const endpoint = this.#options.endpoints[index]
    if (!endpoint) throw new Error(`no endpoint at ${index}`)
    return endpoint
  }

  #setState(state: SignalingState): void {
    if (this.#state === state) return
    this.#state = state
    this.emit('state', state)
  }
}

export function createFailoverCarrier(options: FailoverCarrierOptions): FailoverCarrier {
  return new FailoverCarrier(options)
}
