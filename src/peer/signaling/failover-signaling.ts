import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { DataPipe } from '../transport/pipe.ts'
import { backoffDelay, type BackoffOptions } from '../../lib/backoff.ts'
import { monotonicClock, type Clock, type ClockTimer } from '../../lib/clock.ts'
import type { Signaling, SignalingEvents, SignalingKind, SignalingState } from './signaling.ts'

/** One way to make first contact (a relay, a PeerJS broker); `create` starts a fresh one. */
export interface SignalingEndpoint {
  /** Shown until it is created, e.g. "peerjs https://example.org/peerjs". */
  name: string
  kind: SignalingKind
  create(): Signaling
}

export interface FailoverSignalingOptions {
  /** In order of preference. */
  endpoints: readonly SignalingEndpoint[]
  /** How long an endpoint may take to open before the next is tried. Default 8 s. */
  openTimeoutMs?: number
  /** The pause after every endpoint failed once, growing with each such round. */
  backoff?: BackoffOptions
  /**
   * While a later endpoint is in use, how often the first is tried again; once it opens, the
   * device moves back to it, so devices that fell back in an outage meet again on the first.
   * Default 60 s.
   */
  preferredRetryMs?: number
  clock?: Clock
  random?: () => number
}

/**
 * A Signaling over an ordered list of signalings of any kind (the relay, a PeerJS broker):
 * uses the first that opens; when it fails to open or later drops, closes it and moves to the
 * next (round and round, pausing between rounds), joining the same topics there. Peers seen
 * through a dropped endpoint are reported as having left. Open pipes outlive the switch.
 */
export class FailoverSignaling extends Emitter<SignalingEvents> implements Signaling {
  readonly #options: FailoverSignalingOptions
  readonly #clock: Clock
  readonly #topics = new Set<Topic>()
  readonly #peers = new Map<Topic, Set<PeerId>>()
  #state: SignalingState = 'connecting'
  #index = 0
  #round = 0
  #current: { signaling: Signaling; unsubscribe: () => void } | undefined
  #timer: ClockTimer | undefined
  /** The first endpoint, tried again in the background while a later one is in use. */
  #probe: { signaling: Signaling; timer: ClockTimer } | undefined
  #probeTimer: ClockTimer | undefined
  #unanswered = false
  #closed = false

  constructor(options: FailoverSignalingOptions) {
    super()
    if (options.endpoints.length === 0) throw new Error('failover needs at least one endpoint')
    this.#options = options
    this.#clock = options.clock ?? monotonicClock()
    this.#try()
  }

  get state(): SignalingState {
    return this.#state
  }

  get kind(): SignalingKind {
    return this.#current?.signaling.kind ?? this.#endpointAt(this.#index).kind
  }

  /**
   * Every endpoint was tried since the last one was open, and none answered: the device cannot
   * make first contact now (it keeps trying). A 'state' event is sent when this changes.
   */
  get unanswered(): boolean {
    return this.#unanswered && !this.#closed
  }

  /** How many endpoints are tried in turn. */
  get endpointCount(): number {
    return this.#options.endpoints.length
  }

  /** The endpoint in use (or being tried). */
  get endpoint(): string {
    return this.#current?.signaling.endpoint ?? this.#endpointAt(this.#index).name
  }

  join(topic: Topic): void {
    if (this.#closed) return
    this.#topics.add(topic)
    this.#current?.signaling.join(topic)
  }

  leave(topic: Topic): void {
    if (!this.#topics.delete(topic)) return
    this.#current?.signaling.leave(topic)
    this.#forgetPeers(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#peers.get(topic) ?? [])]
  }

  connect(peer: PeerId, options?: { signal?: AbortSignal }): Promise<DataPipe> {
    const current = this.#current
    if (this.#closed) return Promise.reject(new Error('signaling is closed'))
    if (!current || this.#state !== 'open') {
      return Promise.reject(new Error(`no signaling endpoint is open to reach ${peer}`))
    }
    return current.signaling.connect(peer, options)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.#stopProbing()
    this.#release()
    this.#peers.clear()
    this.#setState('closed')
  }

  #try(): void {
    if (this.#closed) return
    const endpoint = this.#endpointAt(this.#index)
    let signaling: Signaling
    try {
      signaling = endpoint.create()
    } catch (error) {
      return this.#failed(`${endpoint.name}: ${String(error)}`)
    }
    this.#use(signaling)
    if (signaling.state === 'open') return this.#opened()
    if (signaling.state === 'closed') return this.#failed(`${signaling.endpoint} is closed`)
    this.#timer = this.#clock.setTimeout(
      () => this.#failed(`${signaling.endpoint} did not open in time`),
      this.#options.openTimeoutMs ?? 8000,
    )
  }

  /** Makes `signaling` the current one: its events are ours, and it joins our topics. */
  #use(signaling: Signaling): void {
    const mine = () => this.#current?.signaling === signaling
    const offs = [
      signaling.on('state', (state) => mine() && this.#innerState(signaling, state)),
      signaling.on('peer-joined', ({ topic, peer }) => mine() && this.#peerJoined(topic, peer)),
      signaling.on('peer-left', ({ topic, peer }) => mine() && this.#peerLeft(topic, peer)),
      signaling.on('pipe', (event) => (mine() ? this.emit('pipe', event) : event.pipe.close())),
      signaling.on('error', (event) => mine() && this.emit('error', event)),
    ]
    this.#current = { signaling, unsubscribe: () => offs.forEach((off) => off()) }
    for (const topic of this.#topics) signaling.join(topic)
  }

  #innerState(signaling: Signaling, state: SignalingState): void {
    if (state === 'open') return this.#opened()
    if (this.#state === 'open' || state === 'closed') {
      this.#failed(`${signaling.endpoint} ${state === 'closed' ? 'closed' : 'dropped'}`)
    }
  }

  #opened(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#round = 0
    this.#unanswered = false
    // Peers it already knows (a signaling that was open before we listened) count now.
    const signaling = this.#current?.signaling
    for (const topic of this.#topics) {
      for (const peer of signaling?.peers(topic) ?? []) this.#peerJoined(topic, peer)
    }
    this.#setState('open')
    if (this.#index !== 0) this.#scheduleProbe()
  }

  #scheduleProbe(): void {
    this.#clock.clearTimeout(this.#probeTimer)
    this.#probeTimer = this.#clock.setTimeout(
      () => this.#probePreferred(),
      this.#options.preferredRetryMs ?? 60_000,
    )
  }

  /** Opens the first endpoint beside the current one; moves to it once it is open. */
  #probePreferred(): void {
    if (this.#closed || this.#index === 0 || this.#probe) return
    let signaling: Signaling
    try {
      signaling = this.#endpointAt(0).create()
    } catch {
      return this.#scheduleProbe()
    }
    const giveUp = () => {
      this.#stopProbing()
      if (!this.#closed && this.#index !== 0) this.#scheduleProbe()
    }
    const probe = {
      signaling,
      timer: this.#clock.setTimeout(giveUp, this.#options.openTimeoutMs ?? 8000),
    }
    this.#probe = probe
    const settle = (state: SignalingState) => {
      if (this.#probe !== probe) return
      if (state === 'open') this.#moveToProbe()
      else if (state === 'closed') giveUp()
    }
    signaling.on('state', settle)
    settle(signaling.state)
  }

  #moveToProbe(): void {
    const probe = this.#probe
    if (!probe) return
    this.#clock.clearTimeout(probe.timer)
    this.#probe = undefined
    this.#clock.clearTimeout(this.#timer)
    this.#release()
    for (const topic of [...this.#peers.keys()]) this.#forgetPeers(topic)
    this.#index = 0
    this.#use(probe.signaling)
    this.#opened()
  }

  #stopProbing(): void {
    this.#clock.clearTimeout(this.#probeTimer)
    const probe = this.#probe
    this.#probe = undefined
    if (!probe) return
    this.#clock.clearTimeout(probe.timer)
    probe.signaling.close()
  }

  /** Leaves the current endpoint and schedules the next one. */
  #failed(reason: string): void {
    if (this.#closed) return
    this.#clock.clearTimeout(this.#timer)
    this.#stopProbing()
    this.#release()
    for (const topic of [...this.#peers.keys()]) this.#forgetPeers(topic)
    this.#setState('connecting')
    this.#index = (this.#index + 1) % this.#options.endpoints.length
    const next = this.#endpointAt(this.#index).name
    this.emit('error', { message: `signaling: ${reason}; trying ${next}` })
    if (this.#index !== 0) return this.#try()
    if (!this.#unanswered) {
      this.#unanswered = true
      this.emit('state', this.#state)
    }
    const delay = backoffDelay(this.#round++, this.#options.backoff, this.#options.random)
    this.#timer = this.#clock.setTimeout(() => this.#try(), delay)
  }

  #release(): void {
    const current = this.#current
    this.#current = undefined
    current?.unsubscribe()
    current?.signaling.close()
  }

  #peerJoined(topic: Topic, peer: PeerId): void {
    if (!this.#topics.has(topic)) return
    let set = this.#peers.get(topic)
    if (!set) this.#peers.set(topic, (set = new Set()))
    if (set.has(peer)) return
    set.add(peer)
    this.emit('peer-joined', { topic, peer })
  }

  #peerLeft(topic: Topic, peer: PeerId): void {
    if (this.#peers.get(topic)?.delete(peer)) this.emit('peer-left', { topic, peer })
  }

  #forgetPeers(topic: Topic): void {
    const set = this.#peers.get(topic)
    this.#peers.delete(topic)
    for (const peer of set ?? []) this.emit('peer-left', { topic, peer })
  }

  #endpointAt(index: number): SignalingEndpoint {
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

export function createFailoverSignaling(options: FailoverSignalingOptions): FailoverSignaling {
  return new FailoverSignaling(options)
}
