import type { PeerId } from '../ids.ts'

/**
 * Who is linked to whom, as members announced it (presence gossip gives it to the mesh). The
 * router uses it to find a next hop to a peer it is not linked to, and to send a broadcast
 * down one spanning tree instead of over every link.
 */
export interface LinkGraph {
  /** The links `peer` last announced (any group), or undefined when unknown or leaving. */
  linksOf(peer: PeerId): readonly PeerId[] | undefined
}

/**
 * The neighbour of `self` on a shortest path to `to` over `graph` (self's own links are
 * `links`), skipping the neighbour `except`; undefined when no path is known.
 */
export function nextHopTo(
  graph: LinkGraph,
  self: PeerId,
  links: Iterable<PeerId>,
  to: PeerId,
  except?: PeerId,
): PeerId | undefined {
  const firstHop = new Map<PeerId, PeerId>()
  const queue: PeerId[] = []
  for (const peer of links) {
    if (peer === except || peer === self || firstHop.has(peer)) continue
    if (peer === to) return peer
    firstHop.set(peer, peer)
    queue.push(peer)
  }
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as PeerId
    const via = firstHop.get(at) as PeerId
    for (const next of graph.linksOf(at) ?? []) {
      if (next === self || firstHop.has(next)) continue
      if (next === to) return via
      firstHop.set(next, via)
      queue.push(next)
    }
  }
  return undefined
}

/** Every peer a chain of announced links leads to from `self`'s own `links`. */
export function reachableFrom(
  graph: LinkGraph,
  self: PeerId,
  links: Iterable<PeerId>,
): Set<PeerId> {
  const reached = new Set<PeerId>()
  const queue: PeerId[] = []
  for (const peer of links) {
    if (peer === self || reached.has(peer)) continue
    reached.add(peer)
    queue.push(peer)
  }
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.linksOf(queue[i] as PeerId) ?? []) {
      if (next === self || reached.has(next)) continue
      reached.add(next)
      queue.push(next)
    }
  }
  return reached
}

/**
 * The breadth-first tree of a broadcast from `origin` over `graph` within `members`: each
 * reached member's parent (undefined for the origin). Neighbours are taken in sorted order, so
 * every peer holding the same graph builds the same tree; a peer passes a broadcast on to its
 * children only, and to linked members the tree does not reach.
 */
export function broadcastTree(
  graph: LinkGraph,
  origin: PeerId,
  members: ReadonlySet<PeerId>,
): Map<PeerId, PeerId | undefined> {
  const parent = new Map<PeerId, PeerId | undefined>([[origin, undefined]])
  const queue: PeerId[] = [origin]
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as PeerId
    for (const next of [...(graph.linksOf(at) ?? [])].sort()) {
      if (parent.has(next) || !members.has(next)) continue
      parent.set(next, at)
      queue.push(next)
    }
  }
  return parent
}
