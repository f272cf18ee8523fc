import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import type { Link } from '../../src/peer/link/link.ts'
import type { LinkFactory } from '../../src/peer/mesh/dialer.ts'
import { createMeshNetwork, GROUP, TOPIC, waitFor } from '../support/fake-mesh-network.ts'

// A link whose network path is lost ('restarting') while the peer is still around: the mesh
// keeps it restarting rather than dialling afresh, and sends around it meanwhile.

type Network = Awaited<ReturnType<typeof createMeshNetwork>>
let network: Network | undefined
afterEach(() => {
  network?.close()
  network = undefined
})

/** Links whose `path` the test can set, and the keepRestarting each one was given. */
function steerableLinks() {
  const stuck = new Set<Link>()
  const keep = new Map<string, () => boolean>()
  const factory: LinkFactory = async (args) => {
    const link = await createLink({ ...args, options: { ...args.options, log: () => {} } })
    Object.defineProperty(link, 'path', { get: () => (stuck.has(link) ? 'restarting' : 'ok') })
    const keepRestarting = args.options?.keepRestarting
    if (keepRestarting) keep.set(`${args.identity.peerId}>${link.remote}`, keepRestarting)
    return link
  }
  return { stuck, keep, factory }
}

function fullMesh(net: Network): boolean {
  return net.peers.every((peer) => peer.mesh.linkedPeers().length === net.peers.length - 1)
}

describe('a link with a lost path', () => {
  it('is kept restarting while its peer is on signaling or heard around it, not after', async () => {
    const links = steerableLinks()
    network = await createMeshNetwork(3, { createLink: links.factory })
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    const [a, b, c] = net.peers as [Network['peers'][0], Network['peers'][0], Network['peers'][0]]
    const keep = (from: PeerId, to: PeerId) => links.keep.get(`${from}>${to}`)?.() ?? false
    expect(keep(a.id, b.id), 'B is present on signaling').toBe(true)

    b.signaling.leave(TOPIC)
    net.hub.announce(TOPIC, b.id, 'peer-left')
    expect(keep(a.id, b.id), 'B gone from signaling, nothing heard of it around').toBe(false)

    // B is heard through C (a broadcast reaches A directly and via C): B is around.
    b.mesh.broadcast(GROUP, 'hello', Uint8Array.of(1))
    await waitFor('A hears B via C', () => keep(a.id, b.id))
    expect(keep(a.id, c.id), 'C is still on signaling').toBe(true)
  })

  it('has messages to its peer go around it, through another member', async () => {
    const links = steerableLinks()
    network = await createMeshNetwork(3, { createLink: links.factory })
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    const [a, b] = net.peers as [Network['peers'][0], Network['peers'][0]]
    const hops: number[] = []
    b.mesh.onMessage('note', ({ hops: n }) => hops.push(n))
    b.mesh.broadcast(GROUP, 'hello', Uint8Array.of(1)) // A learns a route to B through C
    await new Promise((resolve) => setTimeout(resolve, 50))

    a.mesh.send(b.id, 'note', Uint8Array.of(1))
    await waitFor('the direct message', () => hops.length === 1)
    links.stuck.add(a.mesh.linkTo(b.id)!)
    a.mesh.send(b.id, 'note', Uint8Array.of(2))
    await waitFor('the message around the lost path', () => hops.length === 2)
    expect(hops).toEqual([1, 2])
  })

  it('gives way to a new link when its peer reappears on signaling', async () => {
    const links = steerableLinks()
    network = await createMeshNetwork(2, { createLink: links.factory })
    const net = network
    await waitFor('linked', () => fullMesh(net))
    const [a, b] = net.peers as [Network['peers'][0], Network['peers'][0]]
    const old = a.mesh.linkTo(b.id)!
    links.stuck.add(old)
    links.stuck.add(b.mesh.linkTo(a.id)!)
    net.hub.announce(TOPIC, b.id, 'peer-joined')
    await waitFor('a new link', () => {
      const now = a.mesh.linkTo(b.id)
      return now !== undefined && now !== old && now.state === 'open'
    })
    expect(old.state).toBe('closed')
  })

  it('is replaced by a fresh link when its path is back but it still hears nothing', async () => {
    const links = steerableLinks()
    network = await createMeshNetwork(2, { createLink: links.factory })
    const net = network
    await waitFor('linked', () => fullMesh(net))
    const [low, high] = [...net.peers].sort((x, y) => (x.id < y.id ? -1 : 1)) as [
      Network['peers'][0],
      Network['peers'][0],
    ]
    const lowOld = low.mesh.linkTo(high.id)!
    const highOld = high.mesh.linkTo(low.id)!
    links.stuck.add(lowOld)
    links.stuck.add(highOld)
    // ICE is back on both sides; the transport has not retransmitted yet.
    const pathBack = (link: Link) =>
      (link as unknown as { emit(event: 'path-back', value: undefined): void }).emit(
        'path-back',
        undefined,
      )
    pathBack(highOld) // the higher ID leaves the fresh dial to the lower one
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(high.mesh.linkTo(low.id)).toBe(highOld)
    pathBack(lowOld)
    await waitFor('a fresh link on both sides', () => {
      const [fromLow, fromHigh] = [low.mesh.linkTo(high.id), high.mesh.linkTo(low.id)]
      return fromLow !== lowOld && fromHigh !== highOld && fromLow?.state === 'open'
    })
    expect([lowOld.state, highOld.state]).toEqual(['closed', 'closed'])
    expect(high.mesh.linkTo(low.id)?.state).toBe('open')
  })
})
