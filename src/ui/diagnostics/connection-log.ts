import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { Mesh } from '../../peer/mesh/mesh.ts'
import type { SignalCarrier } from '../../peer/signaling/signaling.ts'

export interface ConnectionEvent {
  at: number
  peer: PeerId | null
  kind: 'link-up' | 'link-down' | 'relay' | 'relay-error'
  text: string
}

export interface ConnectionLogEvents extends Record<string, unknown> {
  change: void
}

const MAX_EVENTS = 40

/**
 * Remembers recent connection events so the diagnostics screen can say why a peer is not
 * connected: the last failure per peer (forgotten when a link comes up), relay errors, and a
 * short history. Start it with the session so nothing before the screen opens is missed.
 */
export class ConnectionLog extends Emitter<ConnectionLogEvents> {
  readonly #now: () => number
  readonly #failures = new Map<PeerId, { reason: string; at: number }>()
  #events: ConnectionEvent[] = []
  #stop: (() => void)[] = []

  constructor(
    sources: {
      mesh: Pick<Mesh, 'on'>
      carrier: Pick<SignalCarrier, 'on'>
    },
    now: () => number = Date.now,
  ) {
    super()
    this.#now = now
    this.#stop.push(
      sources.mesh.on('link-up', ({ peer }) => {
        this.#failures.delete(peer)
        this.#add({ peer, kind: 'link-up', text: 'connected' })
      }),
      sources.mesh.on('link-down', ({ peer, reason }) => this.failed(peer, reason)),
      sources.mesh.on('dial-failed', ({ peer, reason }) => this.failed(peer, reason)),
      sources.carrier.on('state', (state) =>
        this.#add({ peer: null, kind: 'relay', text: `signaling ${state}` }),
      ),
      sources.carrier.on('error', ({ message }) =>
        this.#add({ peer: null, kind: 'relay-error', text: message }),
      ),
    )
  }

  /** Records a failed or dropped connection to a peer (also usable for failed dials). */
  failed(peer: PeerId, reason: string): void {
    this.#failures.set(peer, { reason, at: this.#now() })
    this.#add({ peer, kind: 'link-down', text: reason })
  }

  /**
   * The last failure of a peer since its last successful link, if any: its raw reason (read
   * it with readFailure; kept raw so this log stays small in the initial bundle).
   */
  lastFailure(peer: PeerId): { reason: string; at: number } | null {
    return this.#failures.get(peer) ?? null
  }

  /** Newest first. */
  events(): readonly ConnectionEvent[] {
    return this.#events
  }

  close(): void {
    for (const off of this.#stop.splice(0)) off()
  }

  #add(event: Omit<ConnectionEvent, 'at'>): void {
    this.#events = [{ ...event, at: this.#now() }, ...this.#events].slice(0, MAX_EVENTS)
    this.emit('change', undefined)
  }
}
