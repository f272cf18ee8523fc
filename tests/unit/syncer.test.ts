import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { electSyncer, syncerPresence, type SyncerView } from '../../src/peer/mesh/syncer.ts'
import { createPresence } from '../../src/peer/mesh/presence.ts'
import { PRESENCE_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import { encodePresence } from '../../src/peer/mesh/presence-protocol.ts'
import { FakeClock } from '../support/fake-clock.ts'
import { FakePresenceMesh } from '../support/fake-presence-mesh.ts'
import { createMeshNetwork, GROUP, waitFor, type TestPeer } from '../support/fake-mesh-network.ts'

const [A, B, C] = ['a', 'b', 'c'].map((letter) => letter.repeat(32) as PeerId) as [
  PeerId,
  PeerId,
  PeerId,
]

describe('syncer rule', () => {
  it('is the lowest online ID, self included', () => {
    expect(electSyncer(B, [B])).toBe(B)
    expect(electSyncer(B, [C, B, A])).toBe(A)
    expect(electSyncer(A, [C, B])).toBe(A)
  })

  it('follows presence: hands over when the Syncer goes, takes back when a lower returns', () => {
    const clock = new FakeClock()
    const mesh = new FakePresenceMesh(C)
    mesh.setGroup('g', [A, B, C])
    const port = syncerPresence(C, createPresence({ mesh, options: { clock } }))
    const changes: string[] = []
    let last = port.syncer('g')
    port.onOnlineChange((group) => {
      const next = port.syncer(group)
      if (group !== 'g' || next === last) return
      changes.push(`${last[0]}>${next[0]}`)
      last = next
    })
    const record = (from: PeerId, version: number, leaving = false) => {
      const records = new Map([[from, { version, links: [C], leaving }]])
      mesh.deliver(PRESENCE_CHANNEL, {
        from,
        hops: 1,
        data: encodePresence({ type: 'records', group: 'g', records }),
      })
      clock.advance(0)
    }
    expect(port.syncer('g')).toBe(C)
    mesh.setLinked(B, true)
    mesh.setLinked(A, true)
    record(B, 1)
    record(A, 1)
    expect(port.syncer('g')).toBe(A)
    expect(port.online('g')).toEqual([A, B, C])
    record(A, 2, true) // A says goodbye
    expect(port.syncer('g')).toBe(B)
    mesh.setLinked(B, false) // B crashed: its link dropped
    clock.advance(0)
    expect(port.syncer('g')).toBe(C)
    record(A, 3)
    expect(port.syncer('g')).toBe(A)
    expect(changes).toEqual(['c>b', 'b>a', 'a>b', 'b>c', 'c>a'])
  })
})

describe('syncer over a mesh', () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  afterEach(() => network?.close())

  const syncerOf = (peer: TestPeer): SyncerView => syncerPresence(peer.id, peer.presence!)

  it('all remaining peers agree on the next Syncer within 3 s; a returning lower ID takes over', async () => {
    network = await createMeshNetwork(5, { presence: {} })
    const net = network
    let views = net.peers.map(syncerOf)
    const agreeOn = (id: PeerId, among: SyncerView[]) => among.every((s) => s.syncer(GROUP) === id)
    await waitFor('everyone online', () =>
      net.peers.every((peer) => peer.presence!.online(GROUP).length === 5),
    )
    expect(agreeOn(net.ids[0]!, views)).toBe(true)

    net.crash(net.peers[0]!)
    const afterCrash = await waitFor('agree after crash', () =>
      agreeOn(net.ids[1]!, views.slice(1)),
    )
    expect(afterCrash).toBeLessThan(3000)

    net.peers[1]!.mesh.close()
    const afterClose = await waitFor('agree after close', () =>
      agreeOn(net.ids[2]!, views.slice(2)),
    )
    expect(afterClose).toBeLessThan(3000)

    const back = net.restart(net.peers[0]!)
    views = [syncerOf(back), ...views.slice(2)]
    await waitFor('lower ID back in charge', () => agreeOn(net.ids[0]!, views), 5000)
  })
})
