import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type {
  Signaling,
  SignalingEvents,
  SignalingKind,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import type { FakeSignalingHub } from './fake-signaling.ts'

/**
 * A device's signaling through the mesh when many devices of the stack share one process and
 * also meet real browsers: a dial to a device of this process is an in-memory pipe pair from
 * `hub` (its far end arrives on that device's FakeSignaling), every other dial goes through
 * `other` (WebRTC signalled over the mesh). Everything else is `other`'s.
 */
export class InProcessFirst extends Emitter<SignalingEvents> implements Signaling {
  readonly #hub: FakeSignalingHub
  readonly #self: PeerId
  readonly #other: Signaling
  readonly #offs: (() => void)[]
  /** Dials made with in-memory pipes and with `other`, for the test's account of transports. */
  readonly dials = { memory: 0, other: 0 }

  constructor(hub: FakeSignalingHub, self: PeerId, other: Signaling) {
    super()
    this.#hub = hub
    this.#self = self
    this.#other = other
    this.#offs = (['state', 'peer-joined', 'peer-left', 'pipe', 'error'] as const).map((event) =>
      other.on(event, (value) => this.emit(event, value as never)),
    )
  }

  get kind(): SignalingKind {
    return this.#other.kind
  }

  get state(): SignalingState {
    return this.#other.state
  }

  get endpoint(): string {
    return this.#other.endpoint
  }

  join(topic: Topic): void {
    this.#other.join(topic)
  }

  leave(topic: Topic): void {
    this.#other.leave(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return this.#other.peers(topic)
  }

  connect(peer: PeerId, options?: { signal?: AbortSignal }): Promise<DataPipe> {
    if (this.#hub.has(peer)) {
      this.dials.memory++
      return this.#hub.connect(this.#self, peer)
    }
    this.dials.other++
    return this.#other.connect(peer, options)
  }

  close(): void {
    for (const off of this.#offs) off()
    this.#other.close()
  }
}
