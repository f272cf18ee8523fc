import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { SignalCarrier, SignalCarrierEvents, SignalingState } from '../signaling/signaling.ts'
import { decodeSignal, encodeSignal, SIGNAL_CHANNEL } from './mesh-protocol.ts'
import type { MeshMessageHandler } from './router.ts'

/** The part of the mesh a mesh carrier needs. */
export interface MeshRoute {
  send(peer: PeerId, channel: string, data: Uint8Array): boolean
  onMessage(channel: string, handler: MeshMessageHandler): () => void
  /** Peers linked or heard from recently through the mesh. */
  reachablePeers(): PeerId[]
}

/**
 * A SignalCarrier (kind 'mesh') that carries opaque signals over the mesh, hop by hop, so
 * peers already in the mesh open further links without the first-contact server. Topics
 * mean nothing here: every peer reachable over the mesh is "present" in every joined topic.
 */
export class MeshCarrier extends Emitter<SignalCarrierEvents> implements SignalCarrier {
  readonly kind = 'mesh'
  readonly endpoint = 'mesh'
  readonly #route: MeshRoute
  readonly #topics = new Set<Topic>()
  readonly #unsubscribe: () => void
  readonly #log: (message: string) => void
  #state: SignalingState = 'open'

  constructor(route: MeshRoute, log: (message: string) => void) {
    super()
    this.#route = route
    this.#log = log
    this.#unsubscribe = route.onMessage(SIGNAL_CHANNEL, ({ from, data }) => {
      const decoded = decodeSignal(data)
      if (!decoded.ok) this.#log(`dropped mesh signal from ${from}: ${decoded.reason}`)
      else if (this.#state === 'open') this.emit('signal', { from, data: decoded.data })
    })
  }

  get state(): SignalingState {
    return this.#state
  }

  join(topic: Topic): void {
    this.#topics.add(topic)
  }

  leave(topic: Topic): void {
    this.#topics.delete(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return this.#topics.has(topic) ? this.#route.reachablePeers() : []
  }

  send(to: PeerId, data: unknown): void {
    if (this.#state !== 'open') throw new Error('mesh carrier is closed')
    if (!this.#route.send(to, SIGNAL_CHANNEL, encodeSignal(data))) {
      this.emit('error', { message: `no mesh route to ${to}` })
    }
  }

  close(): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#unsubscribe()
    this.emit('state', 'closed')
    this.removeAllListeners()
  }
}
