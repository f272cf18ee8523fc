import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import { createMeshNetwork, GROUP, waitFor } from '../support/fake-mesh-network.ts'

// Seen in the pairing spec: two devices that a group once wanted linked (say, both nearby on
// the relay), the relay then stopped and they paired by hand. The pairing dialler's next replan
// took the paired link for a plan link nobody wanted any more and dropped it.

describe('a link paired by hand', () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  afterEach(() => network?.close())

  it('stays up although a group once wanted that peer and wants it no longer', async () => {
    // First contact too slow to link them before the group lets go of them.
    network = await createMeshNetwork(2, { connectDelayMs: 10_000 })
    const [a, b] = network.peers as [(typeof network.peers)[number], (typeof network.peers)[number]]
    a.mesh.setGroup(GROUP, [])
    b.mesh.setGroup(GROUP, [])
    const [toB, toA] = createMemoryPipePair()
    void a.mesh.attach(b.id, toB, { dialedBySelf: true })
    void b.mesh.attach(a.id, toA)
    await waitFor('the paired link up', () => a.mesh.linkTo(b.id) !== undefined, 5000)
    // Replans follow any change of groups or links, at once (setGroup replans before it
    // returns); a dropped link would be down at both ends within a few turns of the loop.
    a.mesh.setGroup('other', [])
    b.mesh.setGroup('other', [])
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(a.mesh.linkedPeers()).toEqual([b.id])
    expect(b.mesh.linkedPeers()).toEqual([a.id])
  })
})
