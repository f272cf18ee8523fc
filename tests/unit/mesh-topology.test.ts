import { describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { groupNeighbours, neighbourBound } from '../../src/peer/mesh/topology.ts'

function ids(count: number): PeerId[] {
  return Array.from({ length: count }, (_, i) => `p${String(i).padStart(31, 'a')}`)
    .map((id) => id.replace(/[0-9]/g, (d) => 'bcdefghijk'[Number(d)] ?? 'b'))
    .sort() as PeerId[]
}

/** Longest shortest path between any two members when each keeps its wanted links. */
function diameter(members: PeerId[], limit: number): number {
  const edges = new Map(members.map((m) => [m, groupNeighbours(m, members, limit)]))
  let worst = 0
  for (const start of members) {
    const distance = new Map([[start, 0]])
    const queue = [start]
    for (let at = queue.shift(); at; at = queue.shift()) {
      for (const next of edges.get(at) ?? []) {
        if (!distance.has(next)) {
          distance.set(next, (distance.get(at) ?? 0) + 1)
          queue.push(next)
        }
      }
    }
    expect(distance.size).toBe(members.length)
    worst = Math.max(worst, ...distance.values())
  }
  return worst
}

describe('topology', () => {
  it('is a full mesh up to the limit', () => {
    const members = ids(12)
    for (const self of members) {
      expect(groupNeighbours(self, members, 12)).toEqual(members.filter((m) => m !== self))
    }
  })

  it('beyond the limit keeps ring and skip links: symmetric, bounded, small diameter', () => {
    for (const size of [13, 15, 40, 100]) {
      const members = ids(size)
      for (const self of members) {
        const wanted = groupNeighbours(self, members, 12)
        expect(wanted.length).toBeLessThanOrEqual(neighbourBound(size, 12))
        expect(wanted).not.toContain(self)
        for (const peer of wanted) expect(groupNeighbours(peer, members, 12)).toContain(self)
      }
      expect(diameter(members, 12)).toBeLessThanOrEqual(Math.ceil(Math.log2(size)))
    }
    expect(neighbourBound(15, 12)).toBe(6)
  })

  it('includes self when the member list omits it', () => {
    const members = ids(4)
    const [self, ...others] = members as [PeerId, ...PeerId[]]
    expect(groupNeighbours(self, others, 12)).toEqual(others)
  })
})
