import { describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import type { Link } from '../../src/peer/link/link.ts'
import { broadcastTree, nextHopTo, type LinkGraph } from '../../src/peer/mesh/link-graph.ts'
import { Router } from '../../src/peer/mesh/router.ts'
import { FakeClock } from '../support/fake-clock.ts'

const [A, B, C, D, E] = ['a', 'b', 'c', 'd', 'e'].map((l) => l.repeat(32) as PeerId) as [
  PeerId,
  PeerId,
  PeerId,
  PeerId,
  PeerId,
]

/** a - b - c - d, and a - e - d: two ways from a to d. */
const edges: Record<string, PeerId[]> = {
  [A]: [B, E],
  [B]: [A, C],
  [C]: [B, D],
  [D]: [C, E],
  [E]: [A, D],
}
const graph: LinkGraph = { linksOf: (peer) => edges[peer] }

describe('the link graph', () => {
  it('gives the first hop of a shortest path, around an excluded neighbour', () => {
    expect(nextHopTo(graph, A, [B, E], D)).toBe(E)
    expect(nextHopTo(graph, A, [B, E], C)).toBe(B)
    expect(nextHopTo(graph, A, [B, E], D, E)).toBe(B)
    expect(nextHopTo(graph, A, [B], 'f'.repeat(32) as PeerId)).toBeUndefined()
  })

  it('builds the same breadth-first broadcast tree for every member', () => {
    const tree = broadcastTree(graph, A, new Set([A, B, C, D, E]))
    expect(tree.get(A)).toBeUndefined()
    expect([tree.get(B), tree.get(E), tree.get(C), tree.get(D)]).toEqual([A, A, B, E])
  })

  it('does not count announced links as a sign of life for a lost path', () => {
    const links = new Map<PeerId, Link>([[B, { remote: B } as Link]])
    const router = new Router({
      self: A,
      clock: new FakeClock(),
      links: () => links,
      members: () => undefined,
      randomBytes: () => {},
      log: () => {},
      maxHops: 8,
      routeTtlMs: 5000,
      graph: () => graph,
    })
    // B still lists C (its link to C has not timed out yet), but nothing was heard from C.
    expect(router.reachable(C)).toBe(true)
    expect(router.reachableAround(C)).toBe(false)
  })
})
