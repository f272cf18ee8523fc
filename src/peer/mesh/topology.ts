import { hash32 } from '../../lib/hash.ts'
import type { PeerId } from '../ids.ts'

/** The most links a peer keeps within one group unless told otherwise. */
export const DEFAULT_MAX_LINKS = 8

/**
 * The peers `self` should keep links to within one group: everyone when that is at most
 * `maxLinks` peers; beyond it, the successor and predecessor of `self` on each of
 * `floor(maxLinks / 2)` rings. Ring `r` orders the members by `hash32(peerId, r)`, so each ring
 * is an independent random order: ring 0 is the ring, the others act as skip links to random
 * far members, which makes the union an expander whose diameter grows as O(log n).
 *
 * The relation is symmetric (B succeeds A on a ring exactly when A precedes B there), bounded
 * (at most maxLinks), and stable: a newcomer only slots in between one pair per ring, so it
 * replaces at most one link per ring among the others and leaves every other peer's links alone.
 */
export function groupNeighbours(
  self: PeerId,
  members: Iterable<PeerId>,
  maxLinks: number = DEFAULT_MAX_LINKS,
): PeerId[] {
  const others = [...new Set(members)].filter((peer) => peer !== self)
  if (others.length <= maxLinks) return others.sort()
  const wanted = new Set<PeerId>()
  for (let ring = 0; ring < ringCount(maxLinks); ring++) {
    // Members ordered by (position, ID): the successor is the next key up, wrapping around.
    const key = (peer: PeerId): [number, PeerId] => [position(peer, ring), peer]
    const own = key(self)
    let next: [number, PeerId] | undefined
    let lowest: [number, PeerId] | undefined
    let previous: [number, PeerId] | undefined
    let highest: [number, PeerId] | undefined
    for (const peer of others) {
      const k = key(peer)
      if (!lowest || before(k, lowest)) lowest = k
      if (!highest || before(highest, k)) highest = k
      if (before(own, k) && (!next || before(k, next))) next = k
      if (before(k, own) && (!previous || before(previous, k))) previous = k
    }
    const successor = next ?? lowest
    const predecessor = previous ?? highest
    if (successor) wanted.add(successor[1])
    if (predecessor) wanted.add(predecessor[1])
  }
  return [...wanted].sort()
}

/** The most links `groupNeighbours` gives a peer in a group of `size` members. */
export function neighbourBound(size: number, maxLinks: number = DEFAULT_MAX_LINKS): number {
  if (size - 1 <= maxLinks) return Math.max(0, size - 1)
  return 2 * ringCount(maxLinks)
}

function ringCount(maxLinks: number): number {
  return Math.max(1, Math.floor(maxLinks / 2))
}

function position(peer: PeerId, ring: number): number {
  return hash32(peer, ring + 1)
}

function before(a: [number, PeerId], b: [number, PeerId]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
}
