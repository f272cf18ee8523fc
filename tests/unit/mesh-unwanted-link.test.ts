import { afterEach, describe, expect, it } from 'vitest'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMeshNetwork, TOPIC, waitFor } from '../support/fake-mesh-network.ts'

// Members come online one after another: each first sees only a few others, wants them and
// dials them; by the time a slow dial is up the member may no longer want that peer. Such a
// link must be dropped like any other unwanted one, or links pile up past the bound (16 Node
// devices over WebRTC held up to 13 links each, 5 s after forming, against a bound of 8).

describe('a link that comes up after its peer stopped being wanted', () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  afterEach(() => network?.close())

  it('is dropped by its dialler, so every member ends with its neighbours only', async () => {
    network = await createMeshNetwork(12, {
      mesh: { maxLinks: 4 },
      connectDelayMs: 300,
      createLink: (args) => createLink({ ...args, options: { ...args.options, log: () => {} } }),
    })
    const net = network
    // Two thirds were not around after all: they come online one by one, 100 ms apart, while
    // the dials made when everyone seemed around are still on their way.
    const late = net.peers.slice(4)
    for (const peer of late) peer.signaling.leave(TOPIC)
    for (const peer of late) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      peer.signaling.join(TOPIC)
    }
    const settled = () =>
      net.peers.every((p) => {
        const wanted = new Set(p.mesh.neighbours())
        const linked = p.mesh.linkedPeers()
        return linked.length === wanted.size && linked.every((peer) => wanted.has(peer))
      })
    await waitFor('every member linked to exactly its neighbours', settled, 8000).catch(() => {})
    const extra = net.peers.map(
      (p) => p.mesh.linkedPeers().filter((peer) => !p.mesh.neighbours().includes(peer)).length,
    )
    expect(extra, 'links nobody wants, per member').toEqual(net.peers.map(() => 0))
    expect(Math.max(...net.peers.map((p) => p.mesh.linkedPeers().length))).toBeLessThanOrEqual(4)
  })
})
