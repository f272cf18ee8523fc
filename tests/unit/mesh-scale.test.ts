import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { PRESENCE_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import { FrameCounter } from '../support/frame-counter.ts'
import { createMeshNetwork, GROUP, waitFor } from '../support/fake-mesh-network.ts'

const MEMBERS = 50

// The test's limit covers its waits' own deadlines, which a busy machine may need.
describe('a workplace of 50 over in-memory pipes', { timeout: 90_000 }, () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  afterEach(() => network?.close())

  it('keeps at most 8 links per peer, presence in O(links), broadcasts near one copy per member', async () => {
    const counter = new FrameCounter()
    network = await createMeshNetwork(MEMBERS, {
      presence: {},
      createLink: counter.wrap((args) => createLink({ ...args, options: { log: () => {} } })),
    })
    const net = network
    await waitFor(
      'all linked and all online',
      () =>
        net.peers.every(
          (p) =>
            p.mesh.neighbours().every((n) => p.mesh.linkTo(n)) &&
            p.presence!.online(GROUP).length === MEMBERS,
        ),
      60_000,
    )
    const links = net.peers.map((p) => p.mesh.linkedPeers().length)
    // Sorted-ID rings with skip links held 10 links at 50 members.
    expect(Math.max(...links)).toBeLessThanOrEqual(8)

    counter.reset()
    const started = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const seconds = (Date.now() - started) / 1000
    const presence = [...counter.perPeer(PRESENCE_CHANNEL).values()]
    // Flooded beacons: hundreds of frames per peer per second at 50 members.
    expect(Math.max(...presence) / seconds).toBeLessThanOrEqual(30)

    const delivered = new Map<PeerId, number>()
    for (const peer of net.peers) {
      peer.mesh.onMessage('scale.news', () =>
        delivered.set(peer.id, (delivered.get(peer.id) ?? 0) + 1),
      )
    }
    const senders = net.peers.slice(0, 5)
    for (const sender of senders) sender.mesh.broadcast(GROUP, 'scale.news', new Uint8Array([1]))
    const expected = senders.length * (MEMBERS - 1)
    const sum = () => [...delivered.values()].reduce((a, b) => a + b, 0)
    await waitFor('every broadcast everywhere', () => sum() === expected, 10_000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(sum()).toBe(expected)
    // Flooding over every link costs about (links - 1) frames per delivered copy.
    expect(counter.total('scale.news') / expected).toBeLessThanOrEqual(2)
  })
})
