import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type {
  SignalCarrier,
  Signaling,
  SignalingEvents,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'

/**
 * Turns a SignalCarrier into a Signaling without WebRTC: an "offer" signal names an in-memory
 * pipe waiting in `pending`, the answer travels back over the carrier. So the signals really
 * cross the carrier (the mesh, in mesh tests), while the pipe itself is in memory.
 */
export class FakeCarrierSignalingNetwork {
  readonly pending = new Map<string, DataPipe>()
  #next = 0
  connects = 0
  /** Connects begun, answered or not. */
  attempts = 0

  create(self: PeerId, carrier: SignalCarrier, timeoutMs = 2000): Signaling {
    return new FakeCarrierSignaling(self, carrier, this, timeoutMs)
  }

  nextId(): string {
    return `c${++this.#next}`
  }
}

class FakeCarrierSignaling extends Emitter<SignalingEvents> implements Signaling {
  readonly kind: Signaling['kind']
  readonly endpoint: string
  readonly #carrier: SignalCarrier
  readonly #network: FakeCarrierSignalingNetwork
  readonly #timeoutMs: number
  readonly #waiting = new Map<string, (ok: boolean) => void>()
  readonly #self: PeerId

  constructor(
    self: PeerId,
    carrier: SignalCarrier,
    network: FakeCarrierSignalingNetwork,
    timeoutMs: number,
  ) {
    super()
    this.#self = self
    this.#carrier = carrier
    this.#network = network
    this.#timeoutMs = timeoutMs
    this.kind = carrier.kind
    this.endpoint = carrier.endpoint
    carrier.on('signal', ({ from, data }) => this.#signal(from, data))
  }

  get state(): SignalingState {
    return this.#carrier.state
  }

  join(topic: Topic): void {
    this.#carrier.join(topic)
  }

  leave(topic: Topic): void {
    this.#carrier.leave(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return this.#carrier.peers(topic)
  }

  connect(peer: PeerId): Promise<DataPipe> {
    const id = this.#network.nextId()
    this.#network.attempts++
    const [a, b] = createMemoryPipePair()
    this.#network.pending.set(id, b)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(false), this.#timeoutMs)
      const settle = (ok: boolean) => {
        clearTimeout(timer)
        this.#waiting.delete(id)
        this.#network.pending.delete(id)
        if (ok) {
          this.#network.connects++
          resolve(a)
        } else {
          a.close('no answer')
          reject(new Error(`no answer from ${peer} over ${this.kind}`))
        }
      }
      this.#waiting.set(id, settle)
      try {
        this.#carrier.send(peer, { type: 'offer', id, from: this.#self })
      } catch (error) {
        settle(false)
        void error
      }
    })
  }

  close(): void {
    this.removeAllListeners()
  }

  #signal(from: PeerId, data: unknown): void {
    const message = data as { type?: unknown; id?: unknown }
    if (typeof message.id !== 'string') return
    if (message.type === 'offer') {
      const pipe = this.#network.pending.get(message.id)
      if (!pipe) return
      this.#network.pending.delete(message.id)
      this.emit('pipe', { peer: from, pipe })
      this.#carrier.send(from, { type: 'answer', id: message.id })
    } else if (message.type === 'answer') {
      this.#waiting.get(message.id)?.(true)
    }
  }
}
