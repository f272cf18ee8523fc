import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
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

describe('a peer that reappears while a dial to it goes over the mesh', () => {
  it('is dialled at once over signaling, not after the blind dial times out', async () => {
    // The returning peer has the highest ID, so it waits the glare delay for the others.
    network = await createMeshNetwork(3, {
      mesh: { glareDelayMs: 8000 },
      meshSignalTimeoutMs: 10_000,
    })
    const net = network
    const [ann, , cat] = net.peers
    await waitFor('all linked', () => ann!.mesh.linkedPeers().length === 2)
    const meshAttempts = net.meshSignaling.attempts
    net.crash(cat!)
    // Ann's dial to Cat, gone from signaling, goes over the mesh (the last resort) and waits
    // for an answer that cannot come.
    await waitFor('a dial over the mesh', () => net.meshSignaling.attempts > meshAttempts)
    const back = net.restart(cat!)
    const ms = await waitFor('the link to the returning peer', () =>
      ann!.mesh.linkedPeers().includes(back.id),
    )
    expect(ms).toBeLessThan(2000)
  })
})

describe('a peer that reappears on signaling while the mesh still lists a way to it', () => {
  it('is dialled over signaling first: the way the mesh knows leads to its previous instance', async () => {
    // Bob never links to Cat, but the gossip Ann last heard says he does (as a crashed
    // page's neighbours list it until their links to it time out): an offer sent that way is
    // dropped at Bob, and its dial waits out the answer timeout.
    // Ann's, the lowest ID: known once the network is made (before any dial).
    const lowest: { id: PeerId | undefined } = { id: undefined }
    network = await createMeshNetwork(3, {
      mesh: { glareDelayMs: 8000 },
      meshSignalTimeoutMs: 10_000,
      authorize: (self, peer) => self === lowest.id || peer === lowest.id,
    })
    lowest.id = network.ids[0]
    const net = network
    const [ann, bob, cat] = net.peers
    ann!.mesh.useLinkGraph({
      linksOf: (peer) => (peer === bob!.id ? [ann!.id, cat!.id] : undefined),
    })
    await waitFor('Ann linked to both', () => ann!.mesh.linkedPeers().length === 2)
    const meshAttempts = net.meshSignaling.attempts
    net.crash(cat!)
    await waitFor('a dial over the mesh', () => net.meshSignaling.attempts > meshAttempts)
    const connects = net.hub.connects
    const back = net.restart(cat!)
    const ms = await waitFor('the link to the returning peer', () =>
      ann!.mesh.linkedPeers().includes(back.id),
    )
    expect(ms).toBeLessThan(2000)
    expect(net.hub.connects).toBeGreaterThan(connects)
  })
})
