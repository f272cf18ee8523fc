import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { RelayErrorCode } from '../src/peer/signaling/relay-protocol.ts'
import type { BusState } from './relay-bus.ts'

/** What the metrics read from the running relay when scraped. */
export interface RelaySnapshot {
  connections(): number
  authenticated(): number
  rooms(): number
  busState(): BusState
}

/** What became of one signal, as the hub counts it. */
export type SignalOutcome = 'sent' | 'forwarded' | 'delivered' | 'unknown' | 'busy'

/**
 * The relay's Prometheus metrics, one registry per server. Labels are fixed small sets (paths,
 * reasons, error codes): never a peer ID, topic or address.
 */
export class RelayMetrics {
  readonly #registry = new Registry()
  readonly #forwarded: Counter<'path'>
  readonly #dropped: Counter<'reason'>
  readonly #violations: Counter<'kind'>

  constructor(snapshot: RelaySnapshot) {
    const registers = [this.#registry]
    collectDefaultMetrics({ register: this.#registry })
    new Gauge({
      name: 'relay_connections',
      help: 'Open relay WebSocket connections, authenticated or not.',
      registers,
      collect() {
        this.set(snapshot.connections())
      },
    })
    new Gauge({
      name: 'relay_connections_authenticated',
      help: 'Relay connections whose peer proved its key.',
      registers,
      collect() {
        this.set(snapshot.authenticated())
      },
    })
    new Gauge({
      name: 'relay_topics',
      help: 'Topics (and nearby groups) with members on this instance.',
      registers,
      collect() {
        this.set(snapshot.rooms())
      },
    })
    new Gauge({
      name: 'relay_bus_up',
      help: 'Whether the bus shared with other instances is reachable (1), down (0), or not used (-1).',
      registers,
      collect() {
        const state = snapshot.busState()
        this.set(state === 'up' ? 1 : state === 'down' ? 0 : -1)
      },
    })
    this.#forwarded = new Counter({
      name: 'relay_signals_forwarded_total',
      help: 'Signals delivered: between clients of this instance (local), handed to another instance (to_instance), or received from one and delivered (from_instance).',
      labelNames: ['path'],
      registers,
    })
    this.#dropped = new Counter({
      name: 'relay_signals_dropped_total',
      help: 'Signals not delivered: no such peer in the sender topics (unknown_peer), or the recipient receives too much (busy).',
      labelNames: ['reason'],
      registers,
    })
    this.#violations = new Counter({
      name: 'relay_violations_total',
      help: 'Protocol violations and limit breaches by clients, by error code.',
      labelNames: ['kind'],
      registers,
    })
  }

  get contentType(): string {
    return this.#registry.contentType
  }

  signal(outcome: SignalOutcome): void {
    switch (outcome) {
      case 'sent':
        return this.#forwarded.inc({ path: 'local' })
      case 'forwarded':
        return this.#forwarded.inc({ path: 'to_instance' })
      case 'delivered':
        return this.#forwarded.inc({ path: 'from_instance' })
      case 'unknown':
        return this.#dropped.inc({ reason: 'unknown_peer' })
      case 'busy':
        return this.#dropped.inc({ reason: 'busy' })
    }
  }

  violation(kind: RelayErrorCode): void {
    this.#violations.inc({ kind })
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.#registry.metrics()
  }
}
