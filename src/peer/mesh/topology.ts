import type { PeerId } from '../ids.ts'

/**
 * The peers `self` should keep links to within one group. Up to `fullMeshLimit` members
 * (self included) that is everyone; beyond it, members are placed on a ring in sorted-ID
 * order and each keeps its ring neighbours plus skip links at distances 2, 4, 8… up to half
 * the ring, so a peer has about 2·log2(n) links and any other is O(log n) hops away. The
 * relation is symmetric: if A wants B then B wants A (given the same member list).
 */
export function groupNeighbours(
  self: PeerId,
  members: Iterable<PeerId>,
  fullMeshLimit: number,
): PeerId[] {
  const ring = [...new Set([...members, self])].sort()
  const others = ring.filter((peer) => peer !== self)
  if (ring.length <= fullMeshLimit) return others
  const n = ring.length
  const index = ring.indexOf(self)
  const wanted = new Set<PeerId>()
  for (let distance = 1; distance * 2 <= n; distance *= 2) {
    wanted.add(ring[(index + distance) % n] as PeerId)
    wanted.add(ring[(index - distance + n) % n] as PeerId)
  }
  wanted.delete(self)
  return [...wanted].sort()
}

/** The most links `groupNeighbours` gives a peer in a group of `size` members. */
export function neighbourBound(size: number, fullMeshLimit: number): number {
  if (size <= fullMeshLimit) return Math.max(0, size - 1)
  let links = 0
  for (let distance = 1; distance * 2 <= size; distance *= 2) links += 2
  return links
}
