import type { PeerId } from '../ids.ts'
import type { Clock } from '../../lib/clock.ts'

interface Route {
  hops: number
  at: number
}

/**
 * Routes learnt from the reverse path of messages: every neighbour a peer's messages arrive
 * through (first copies and duplicates alike) is a way back to it. Keeping all of them means a
 * dropped link leaves the others in place. Peers not heard from lately are found through the
 * link graph presence announces (see Router).
 */
export class RouteTable {
  /** origin -> neighbour it was heard through -> how far and when. */
  readonly #routes = new Map<PeerId, Map<PeerId, Route>>()
  readonly #clock: Clock
  readonly #ttlMs: number

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock
    this.#ttlMs = ttlMs
  }

  learn(origin: PeerId, via: PeerId, hops: number): void {
    let vias = this.#routes.get(origin)
    if (!vias) this.#routes.set(origin, (vias = new Map()))
    vias.set(via, { hops, at: this.#clock.now() })
  }

  /** The neighbour to forward to for `peer`: the shortest fresh route, the newest on a tie. */
  nextHop(peer: PeerId, except?: PeerId): PeerId | undefined {
    let best: [PeerId, Route] | undefined
    for (const [via, route] of this.#routes.get(peer) ?? []) {
      if (via === except || !this.#fresh(route)) continue
      if (
        !best ||
        route.hops < best[1].hops ||
        (route.hops === best[1].hops && route.at > best[1].at)
      ) {
        best = [via, route]
      }
    }
    return best?.[0]
  }

  /** Peers heard from recently through any neighbour. */
  peers(): PeerId[] {
    return [...this.#routes.keys()].filter((peer) => this.nextHop(peer) !== undefined)
  }

  /** Drops routes through a neighbour whose link went down. */
  forgetVia(neighbour: PeerId): void {
    for (const [origin, vias] of this.#routes) {
      vias.delete(neighbour)
      if (vias.size === 0) this.#routes.delete(origin)
    }
  }

  #fresh(route: Route): boolean {
    return this.#clock.now() - route.at <= this.#ttlMs
  }
}
