import { afterEach, describe, expect, it } from 'vitest'
import { createMeshNetwork, TOPIC, waitFor } from '../support/fake-mesh-network.ts'

// A peer is announced again while a dial to it is on its way (it shares several topics with
// us, or the relay connection came back): the dial goes on rather than starting over.

type Network = Awaited<ReturnType<typeof createMeshNetwork>>
let network: Network | undefined

afterEach(() => {
  network?.close()
  network = undefined
})

describe('a replayed "peer joined" during a dial', () => {
  it('keeps the dial in flight: one connect, one link', async () => {
    // The higher ID waits long enough for the lower one's dial: one dial in all.
    network = await createMeshNetwork(2, { connectDelayMs: 400, mesh: { glareDelayMs: 5000 } })
    const net = network
    const [ann, bob] = net.peers
    await waitFor('a dial to be in flight', () => net.hub.connects === 1)
    for (let i = 0; i < 3; i++) {
      net.hub.announce(TOPIC, bob!.id, 'peer-joined')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await waitFor('the link', () => ann!.mesh.linkedPeers().includes(bob!.id), 5000)
    expect(net.hub.connects).toBe(1)
  })
})
