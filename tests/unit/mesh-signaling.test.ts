import { afterEach, describe, expect, it } from 'vitest'
import { createMeshNetwork, waitFor } from '../support/fake-mesh-network.ts'

type Network = Awaited<ReturnType<typeof createMeshNetwork>>
let network: Network | undefined

afterEach(() => {
  network?.close()
  network = undefined
})

// The higher peer of a pair dials only if the lower has not linked within the glare delay, so
// each re-link below is one dial; with the default 1.5 s a loaded machine sometimes saw both.
const ONE_SIDE_DIALS = { glareDelayMs: 60_000 }

function fullMesh(net: Network): boolean {
  return net.peers.every((peer) => peer.mesh.linkedPeers().length === net.peers.length - 1)
}

describe('signaling through the mesh', () => {
  it('re-links two peers over the mesh once the first-contact relay is gone', async () => {
    network = await createMeshNetwork(5, { mesh: ONE_SIDE_DIALS })
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    const relayed = net.hub.connects
    net.hub.stop()
    const [a, , , , e] = net.peers
    const downs: string[] = []
    e!.mesh.on('link-down', ({ peer }) => downs.push(peer))
    a!.mesh.linkTo(e!.id)!.close('test drops the link')
    await waitFor('link dropped', () => downs.includes(a!.id))
    await waitFor('re-linked', () => fullMesh(net), 5000)
    expect(net.hub.connects).toBe(relayed)
    expect(net.meshSignaling.connects).toBe(1)
    expect(a!.mesh.linkTo(e!.id)?.state).toBe('open')
  })

  it('prefers the mesh for peers it hears through the mesh, the relay still up', async () => {
    network = await createMeshNetwork(4, {
      mesh: ONE_SIDE_DIALS,
      presence: { digestIntervalMs: 100 },
    })
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    const [a, b] = net.peers
    await waitFor('beacons flowing', () => a!.presence!.online('group-1').length === 4)
    const relayed = net.hub.connects
    a!.mesh.linkTo(b!.id)!.close('test drops the link')
    await waitFor('dropped', () => a!.mesh.linkTo(b!.id) === undefined)
    expect(a!.mesh.reachable(b!.id)).toBe(true)
    await waitFor('re-linked', () => fullMesh(net), 5000)
    expect(net.hub.connects).toBe(relayed)
    expect(net.meshSignaling.connects).toBe(1)
  })

  it('falls back to the relay when the mesh cannot reach the peer', async () => {
    network = await createMeshNetwork(2, { mesh: { dialTimeoutMs: 300 } })
    const net = network
    await waitFor('linked', () => fullMesh(net))
    const [a, b] = net.peers
    a!.mesh.linkTo(b!.id)!.close('test drops the only link')
    await waitFor('re-linked through the relay', () => fullMesh(net) && net.hub.connects === 2)
    expect(net.meshSignaling.connects).toBe(0)
  })
})
