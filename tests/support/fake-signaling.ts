import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type {
  Signaling,
  SignalingEvents,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'

/**
 * An in-memory first-contact signaling service: every peer's FakeSignaling meets the others
 * in topics and connects to them with in-memory pipes. `stop()` plays a relay going down.
 */
export class FakeSignalingHub {
  readonly #members = new Map<PeerId, FakeSignaling>()
  #stopped = false
  /** Successful connects, for assertions on which signaling carried a dial. */
  connects = 0
  /** Delay before a connect resolves, to let both sides of a pair dial at once. */
  connectDelayMs = 0

  signaling(self: PeerId): FakeSignaling {
    const signaling = new FakeSignaling(self, this)
    this.#members.set(self, signaling)
    return signaling
  }

  /** Whether `peer` is here and open, so that a connect to it would be answered. */
  has(peer: PeerId): boolean {
    return !this.#stopped && this.#members.get(peer)?.state === 'open'
  }

  get stopped(): boolean {
    return this.#stopped
  }

  stop(): void {
    this.#stopped = true
    for (const member of this.#members.values()) member.setState('closed')
  }

  topicPeers(topic: Topic): PeerId[] {
    return [...this.#members.values()].filter((m) => m.topics.has(topic)).map((m) => m.self)
  }

  announce(topic: Topic, peer: PeerId, event: 'peer-joined' | 'peer-left'): void {
    for (const member of this.#members.values()) {
      if (member.self !== peer && member.topics.has(topic)) member.notify(event, { topic, peer })
    }
  }

  connect(from: PeerId, to: PeerId): Promise<DataPipe> {
    const target = this.#members.get(to)
    if (this.#stopped) return Promise.reject(new Error('relay is down'))
    if (!target || target.state !== 'open') return Promise.reject(new Error(`${to} not present`))
    const [a, b] = createMemoryPipePair()
    this.connects++
    return new Promise((resolve) =>
      setTimeout(() => {
        target.incoming(from, b)
        resolve(a)
      }, this.connectDelayMs),
    )
  }

  remove(peer: PeerId): void {
    this.#members.delete(peer)
  }
}

export class FakeSignaling extends Emitter<SignalingEvents> implements Signaling {
  readonly kind = 'relay'
  readonly endpoint = 'fake relay'
  readonly self: PeerId
  readonly topics = new Set<Topic>()
  readonly #hub: FakeSignalingHub
  #state: SignalingState = 'open'

  constructor(self: PeerId, hub: FakeSignalingHub) {
    super()
    this.self = self
    this.#hub = hub
  }

  get state(): SignalingState {
    return this.#state
  }

  setState(state: SignalingState): void {
    this.#state = state
    this.emit('state', state)
  }

  notify<K extends 'peer-joined' | 'peer-left'>(event: K, value: SignalingEvents[K]): void {
    this.emit(event, value)
  }

  incoming(peer: PeerId, pipe: DataPipe): void {
    if (this.#state === 'open') this.emit('pipe', { peer, pipe })
    else pipe.close('signaling closed')
  }

  join(topic: Topic): void {
    if (this.topics.has(topic)) return
    this.topics.add(topic)
    this.#hub.announce(topic, this.self, 'peer-joined')
  }

  leave(topic: Topic): void {
    if (!this.topics.delete(topic)) return
    this.#hub.announce(topic, this.self, 'peer-left')
  }

  peers(topic: Topic): readonly PeerId[] {
    if (!this.topics.has(topic)) return []
    return this.#hub.topicPeers(topic).filter((peer) => peer !== this.self)
  }

  connect(peer: PeerId): Promise<DataPipe> {
    if (this.#state !== 'open') return Promise.reject(new Error('signaling closed'))
    return this.#hub.connect(this.self, peer)
  }

  close(): void {
    for (const topic of [...this.topics]) this.leave(topic)
    this.#hub.remove(this.self)
    this.setState('closed')
  }
}
