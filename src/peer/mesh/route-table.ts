import type { PeerId } from '../ids.ts'
import type { Clock } from './clock.ts'

interface Route {
  via: PeerId
  hops: number
  at: number
}

/**
 * Routes learnt from the reverse path of flooded messages: the link a peer's newest message
 * arrived on first is the fastest way back to it. Presence beacons refresh these every second.
 */
export class RouteTable {
  readonly #routes = new Map<PeerId, Route>()
  readonly #clock: Clock
  readonly #ttlMs: number

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock
    this.#ttlMs = ttlMs
  }

  learn(origin: PeerId, via: PeerId, hops: number): void {
    this.#routes.set(origin, { via, hops, at: this.#clock.now() })
  }

  /** The neighbour to forward to for `peer`, if a fresh route is known. */
  nextHop(peer: PeerId): PeerId | undefined {
    const route = this.#routes.get(peer)
    return route && this.#fresh(route) ? route.via : undefined
  }

  /** Peers heard from recently through any neighbour. */
  peers(): PeerId[] {
    return [...this.#routes].filter(([, route]) => this.#fresh(route)).map(([peer]) => peer)
  }

  /** Drops routes through a neighbour whose link went down. */
  forgetVia(neighbour: PeerId): void {
    for (const [peer, route] of this.#routes) {
      if (route.via === neighbour) this.#routes.delete(peer)
    }
  }

  #fresh(route: Route): boolean {
    return this.#clock.now() - route.at <= this.#ttlMs
  }
}
