import { describe, expect, it } from 'vitest'
import { MeshNetworkAdapter } from '../../src/crdt/repo/mesh-network-adapter.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { FakeMeshHub } from '../support/fake-mesh-port.ts'
import { until } from '../support/until.ts'

const id = (c: string) => c.repeat(32) as PeerId

describe('MeshNetworkAdapter', () => {
  it('holds back syncing with a peer while asked, and for no longer than its bound', async () => {
    const hub = new FakeMeshHub()
    const self = hub.add(id('a'))
    const [syncer, other, late] = [id('b'), id('c'), id('d')]
    for (const peer of [syncer, other, late]) hub.add(peer)
    const adapter = new MeshNetworkAdapter(
      self,
      { mayPeer: () => true, mayExchange: () => true },
      { maxHoldMs: 600 },
    )
    const announced: string[] = []
    adapter.on('peer-candidate', ({ peerId }) => announced.push(peerId))
    let inSync = false
    adapter.setHold((peer) => peer !== syncer && !inSync)
    adapter.connect(id('a') as never)
    hub.link(self.self, syncer)
    hub.link(self.self, other)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(announced).toEqual([syncer])
    inSync = true
    await until(() => announced.includes(other), 'the held peer once in sync', 1000)

    // A peer held past the bound is announced anyway.
    inSync = false
    const started = Date.now()
    hub.link(self.self, late)
    await until(() => announced.includes(late), 'the bound to pass', 2000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(550)
    adapter.disconnect()
  })
})
