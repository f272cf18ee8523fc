import { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import { carrierStatus, type CarrierStatus } from './carrier-status.ts'
import type { SignalCarrierEvents, Signaling, SignalingKind, SignalingState } from './signaling.ts'

export interface SignalingViewEvents extends SignalCarrierEvents {
  /** A carrier's state, answer or error changed (see `carriers`). */
  carriers: readonly CarrierStatus[]
}

/** A signaling that runs several carriers at once (CombinedSignaling). */
interface WithCarriers {
  readonly carriers: readonly CarrierStatus[]
  on(event: 'carriers', listener: (carriers: readonly CarrierStatus[]) => void): () => void
}

function hasCarriers(signaling: Signaling): signaling is Signaling & WithCarriers {
  return 'carriers' in signaling
}

/**
 * A read-only view of whichever first-contact signaling runs now (none while another tab has
 * the network), for the UI: state, endpoint, presence and errors. It re-emits the followed
 * signaling's events and a 'state' whenever it starts following another. Its events are those
 * of a carrier, so anything that watches a carrier's state and errors can watch it; it never
 * emits 'signal'. It also says how each carrier fares (`carriers`), since the state is 'open'
 * while any of several is.
 */
export class SignalingView extends Emitter<SignalingViewEvents> {
  #current: Signaling | undefined
  /** The followed signaling's first error since it was last open (one carrier only). */
  #error: string | undefined
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

  /**
   * Each first-contact carrier with its own state and last error: the relays and the broker
   * when both run, else the one signaling; none while another tab has the network.
   */
  get carriers(): readonly CarrierStatus[] {
    const current = this.#current
    if (!current) return []
    if (hasCarriers(current)) return current.carriers
    return [carrierStatus(this, this.#error)]
  }

  /** Subscribes to changes of `carriers`; returns the function that unsubscribes. */
  onCarriersChange(listener: () => void): () => void {
    return this.on('carriers', listener)
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
    this.#error = undefined
    if (idleEndpoint !== undefined) this.#idleEndpoint = idleEndpoint
    if (signaling) {
      this.#off.push(
        signaling.on('state', (state) => {
          if (state === 'open') this.#error = undefined
          this.emit('state', state)
          this.#carriersChanged()
        }),
        signaling.on('peer-joined', (event) => this.emit('peer-joined', event)),
        signaling.on('peer-left', (event) => this.emit('peer-left', event)),
        signaling.on('error', (event) => {
          this.#error ??= event.message
          this.emit('error', event)
          this.#carriersChanged()
        }),
      )
      if (hasCarriers(signaling)) {
        this.#off.push(signaling.on('carriers', () => this.#carriersChanged()))
      }
    }
    this.emit('state', this.state)
    this.#carriersChanged()
  }

  #carriersChanged(): void {
    this.emit('carriers', this.carriers)
  }
}
