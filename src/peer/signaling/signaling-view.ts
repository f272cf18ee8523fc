import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { SignalCarrierEvents, Signaling, SignalingKind, SignalingState } from './signaling.ts'

/**
 * A read-only view of whichever first-contact signaling runs now (none while another tab has
 * the network), for the UI: state, endpoint, presence and errors. It re-emits the followed
 * signaling's events and a 'state' whenever it starts following another. Its events are those
 * of a carrier, so anything that watches a carrier's state and errors can watch it; it never
 * emits 'signal'.
 */
export class SignalingView extends Emitter<SignalCarrierEvents> {
  #current: Signaling | undefined
  #off: (() => void)[] = []
  #idleEndpoint: string
  #idleKind: SignalingKind

  constructor(idle: { endpoint: string; kind: SignalingKind }) {
    super()
    this.#idleEndpoint = idle.endpoint
    this.#idleKind = idle.kind
  }

  get state(): SignalingState {
    return this.#current?.state ?? 'closed'
  }

  /** The endpoint in use, or what the idle view says (e.g. "in another tab"). */
  get endpoint(): string {
    return this.#current?.endpoint ?? this.#idleEndpoint
  }

  /** Whether none of the endpoints answers (see FailoverSignaling.unanswered). */
  get unanswered(): boolean {
    return (this.#current as { unanswered?: boolean } | undefined)?.unanswered ?? false
  }

  /** How many endpoints the followed signaling tries in turn (1 when it is not a list). */
  get endpointCount(): number {
    return (this.#current as { endpointCount?: number } | undefined)?.endpointCount ?? 1
  }

  get kind(): SignalingKind {
    return this.#current?.kind ?? this.#idleKind
  }

  peers(topic: Topic): readonly PeerId[] {
    return this.#current?.peers(topic) ?? []
  }

  /** Follows `signaling`, or nothing (with what to show meanwhile). */
  follow(signaling: Signaling | undefined, idleEndpoint?: string): void {
    for (const off of this.#off.splice(0)) off()
    this.#current = signaling
    if (idleEndpoint !== undefined) this.#idleEndpoint = idleEndpoint
    if (signaling) {
      this.#off.push(
        signaling.on('state', (state) => this.emit('state', state)),
        signaling.on('peer-joined', (event) => this.emit('peer-joined', event)),
        signaling.on('peer-left', (event) => this.emit('peer-left', event)),
        signaling.on('error', (event) => this.emit('error', event)),
      )
    }
    this.emit('state', this.state)
  }
}
