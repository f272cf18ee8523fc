import { describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { groupNeighbours, neighbourBound } from '../../src/peer/mesh/topology.ts'
import { simPeerId } from '../support/sim-presence-network.ts'

function ids(count: number, from = 0): PeerId[] {
  return Array.from({ length: count }, (_, i) => simPeerId(from + i)).sort()
}

/** Longest shortest path between any two members when each keeps its wanted links. */
function diameter(members: PeerId[], maxLinks?: number): number {
  const edges = new Map(members.map((m) => [m, groupNeighbours(m, members, maxLinks)]))
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

/** Every link of the group as "a|b", a < b. */
function edgesOf(members: PeerId[]): Set<string> {
  const edges = new Set<string>()
  for (const m of members) {
    for (const peer of groupNeighbours(m, members))
      edges.add(m < peer ? `${m}|${peer}` : `${peer}|${m}`)
  }
  return edges
}

describe('topology', () => {
  it('is a full mesh while the others fit in the link budget', () => {
    const members = ids(9)
    for (const self of members) {
      expect(groupNeighbours(self, members)).toEqual(members.filter((m) => m !== self))
    }
    expect(groupNeighbours(members[0]!, members, 4)).toHaveLength(4)
  })

  it('beyond it keeps hash rings: symmetric, at most 8 links, small diameter', () => {
    for (const size of [10, 15, 50, 200]) {
      const members = ids(size)
      for (const self of members) {
        const wanted = groupNeighbours(self, members)
        expect(wanted.length).toBeLessThanOrEqual(8)
        expect(wanted.length).toBeLessThanOrEqual(neighbourBound(size))
        expect(wanted).not.toContain(self)
        for (const peer of wanted) expect(groupNeighbours(peer, members)).toContain(self)
      }
      expect(diameter(members)).toBeLessThanOrEqual(Math.ceil(Math.log2(size)))
    }
    expect(neighbourBound(15)).toBe(8)
    expect(neighbourBound(500, 6)).toBe(6)
  })

  it('a newcomer changes at most one link per ring among the others', () => {
    for (const size of [20, 50, 120]) {
      const members = ids(size)
      const before = edgesOf(members)
      const newcomer = simPeerId(10_000 + size)
      const after = edgesOf([...members, newcomer])
      const amongOthers = [...after].filter((edge) => !edge.includes(newcomer))
      const lost = [...before].filter((edge) => !after.has(edge))
      const gained = amongOthers.filter((edge) => !before.has(edge))
      // Sorted-ID rings with skip links at distances 2, 4, 8... re-wired dozens here.
      expect(gained).toEqual([])
      expect(lost.length).toBeLessThanOrEqual(4)
      // And a leaver: its ring neighbours close ranks, nobody else is touched.
      const gone = members[3]!
      const without = edgesOf(members.filter((m) => m !== gone))
      const changed = [...without].filter((edge) => !before.has(edge))
      expect(changed.length).toBeLessThanOrEqual(4)
    }
  })

  it('includes self when the member list omits it', () => {
    const members = ids(4)
    const [self, ...others] = members as [PeerId, ...PeerId[]]
    expect(groupNeighbours(self, others)).toEqual(others)
  })
})
