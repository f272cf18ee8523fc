import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { neighbourBound } from '../../src/peer/mesh/topology.ts'
import {
  connected,
  createMeshNetwork,
  GROUP,
  waitFor,
  type TestPeer,
} from '../support/fake-mesh-network.ts'

type Network = Awaited<ReturnType<typeof createMeshNetwork>>
let network: Network | undefined

afterEach(() => {
  network?.close()
  network = undefined
})

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

function fullMesh(net: Network): boolean {
  return net.peers.every((peer) => peer.mesh.linkedPeers().length === net.peers.length - 1)
}

describe('mesh', () => {
  it('five peers form a full mesh, one link per pair, dialled by the lower ID', async () => {
    // The higher ID dials too once its glare delay has passed without a link (the test network
    // waits 200 ms): on a busy machine links took longer, and 20 dials were counted.
    network = await createMeshNetwork(5, { mesh: { glareDelayMs: 10_000 } })
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    for (const peer of net.peers) {
      expect(new Set(peer.mesh.linkedPeers()).size).toBe(4)
      expect(peer.mesh.neighbours()).toEqual(net.ids.filter((id) => id !== peer.id))
    }
    // No glare: only the lower ID of each pair dialled through the relay.
    expect(net.hub.connects).toBe(10)
  })

  it('delivers direct messages and broadcasts once, with hop counts', async () => {
    network = await createMeshNetwork(5)
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    const received = net.peers.map(() => [] as { from: PeerId; text: string; hops: number }[])
    net.peers.forEach((peer, i) =>
      peer.mesh.onMessage('chat', ({ from, data, hops }) =>
        received[i]?.push({ from, text: text(data), hops }),
      ),
    )
    const [first, second] = net.peers
    expect(first?.mesh.send(second!.id, 'chat', bytes('hi'))).toBe(true)
    expect(first?.mesh.broadcast(GROUP, 'chat', bytes('all'))).toBe(true)
    await waitFor('broadcast', () =>
      received.slice(1).every((r) => r.some((m) => m.text === 'all')),
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(received[1]).toEqual([
      { from: first!.id, text: 'hi', hops: 1 },
      { from: first!.id, text: 'all', hops: 1 },
    ])
    for (const r of received.slice(2))
      expect(r).toEqual([{ from: first!.id, text: 'all', hops: 1 }])
    expect(received[0]).toEqual([])
  })

  it('fifteen peers keep a bounded ring with skip links and still reach everyone', async () => {
    network = await createMeshNetwork(15)
    const net = network
    const bound = neighbourBound(15)
    await waitFor('ring and skip links', () =>
      net.peers.every((p) => p.mesh.linkedPeers().length === p.mesh.neighbours().length),
    )
    for (const peer of net.peers) {
      expect(peer.mesh.linkedPeers().length).toBeLessThanOrEqual(bound)
      expect([...peer.mesh.linkedPeers()].sort()).toEqual(peer.mesh.neighbours())
    }
    expect(connected(net.peers)).toBe(true)

    const counts = new Map<PeerId, number>()
    const hopsSeen: number[] = []
    for (const peer of net.peers) {
      peer.mesh.onMessage('news', ({ data }) => {
        if (text(data) === 'flood') counts.set(peer.id, (counts.get(peer.id) ?? 0) + 1)
      })
      peer.mesh.onMessage('direct', ({ hops }) => hopsSeen.push(hops))
    }
    const first = net.peers[0]!
    const far = net.peers.find((p) => p !== first && !first.mesh.linkedPeers().includes(p.id))!
    expect(far).toBeDefined()
    expect(first.mesh.send(far.id, 'direct', bytes('far away'))).toBe(true)
    expect(first.mesh.broadcast(GROUP, 'news', bytes('flood'))).toBe(true)
    await waitFor('flood everywhere', () => counts.size === 14)
    await waitFor('forwarded send', () => hopsSeen.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect([...counts.values()].every((count) => count === 1)).toBe(true)
    expect(counts.has(first.id)).toBe(false)
    expect(hopsSeen).toHaveLength(1)
    expect(hopsSeen[0]).toBeGreaterThan(1)
  })

  it('ends simultaneous dials from both sides with exactly one shared link', async () => {
    network = await createMeshNetwork(2, {
      mesh: { glareDelayMs: 0 },
      connectDelayMs: 30,
    })
    const net = network
    const [a, b] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0]]
    await waitFor(
      'linked',
      () => a.mesh.linkedPeers().length === 1 && b.mesh.linkedPeers().length === 1,
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(net.hub.connects).toBe(2)
    expect(a.mesh.links()).toHaveLength(1)
    expect(b.mesh.links()).toHaveLength(1)
    expect(a.mesh.linkTo(b.id)?.state).toBe('open')
    const got: string[] = []
    b.mesh.onMessage('x', ({ data }) => got.push(text(data)))
    a.mesh.onMessage('x', ({ data }) => got.push(text(data)))
    a.mesh.send(b.id, 'x', bytes('a to b'))
    b.mesh.send(a.id, 'x', bytes('b to a'))
    await waitFor('messages both ways on the kept link', () => got.length === 2)
    expect(got.sort()).toEqual(['a to b', 'b to a'])
  })

  it('dials at once a peer it approaches (eager), even from the higher ID', async () => {
    network = await createMeshNetwork(2, { mesh: { glareDelayMs: 5000 } })
    const [low, high] = network.peers as [TestPeer, TestPeer]
    // Only the higher ID wants the link (a newcomer approaching a member who does not know it).
    low.mesh.setGroup(GROUP, [])
    high.mesh.setGroup(GROUP, [])
    await waitFor('links gone', () => high.mesh.linkedPeers().length === 0)
    high.mesh.setGroup('approach', [low.id], { eager: true })
    const took = await waitFor(
      'the eager link',
      () => high.mesh.linkedPeers().includes(low.id),
      2000,
    )
    expect(took).toBeLessThan(2000)
  })

  it('says when a dial fails, with the reason, and keeps retrying', async () => {
    const refusal = 'WebRTC connection failed (turn:t: TURN refused the user name/password)'
    network = await createMeshNetwork(2, {
      createLink: () => Promise.reject(new Error(refusal)),
    })
    const [low, high] = network.peers as [TestPeer, TestPeer]
    const failures: { peer: PeerId; reason: string }[] = []
    low.mesh.on('dial-failed', (event) => failures.push(event))
    await waitFor('two failed dials', () => failures.length >= 2, 3000)
    expect(failures[0]).toEqual({ peer: high.id, reason: refusal })
  })

  it('retries soon, whatever the backoff, while the peer is still present on signaling', async () => {
    let calls = 0
    network = await createMeshNetwork(2, {
      // Every dial fails for a while (a cut path), then the path returns.
      createLink: (args) =>
        ++calls <= 3 ? Promise.reject(new Error('path cut')) : createLink(args),
      mesh: { reconnectBackoff: { initialMs: 60_000, maxMs: 60_000 } },
    })
    const [low, high] = network.peers as [TestPeer, TestPeer]
    await waitFor(
      'the link after the path returns',
      () => low.mesh.linkedPeers().includes(high.id),
      8000,
    )
    expect(calls).toBeGreaterThan(3)
  })

  it('reconnectNow abandons backoff and dials at once', async () => {
    let failing = true
    network = await createMeshNetwork(2, {
      createLink: (args) => (failing ? Promise.reject(new Error('offline')) : createLink(args)),
      mesh: { reconnectBackoff: { initialMs: 60_000, maxMs: 60_000 } },
    })
    const [low, high] = network.peers as [TestPeer, TestPeer]
    high.mesh.setGroup(GROUP, []) // only `low` dials
    const failed: PeerId[] = []
    low.mesh.on('dial-failed', ({ peer }) => failed.push(peer))
    await waitFor('a failed dial', () => failed.length > 0, 3000)
    failing = false
    const started = Date.now()
    low.mesh.reconnectNow()
    // Without it the next try would wait at least 1 s (the backoff while the peer is present).
    await waitFor('the link', () => low.mesh.linkedPeers().includes(high.id), 700)
    expect(Date.now() - started).toBeLessThan(700)
  })

  it('refuses unauthorized peers until authorized again', async () => {
    const banned = new Set<string>()
    network = await createMeshNetwork(3, {
      authorize: (_self, peer) => !banned.has(peer),
    })
    const net = network
    await waitFor('full mesh', () => fullMesh(net))
    const victim = net.peers[2]!
    banned.add(victim.id)
    for (const peer of net.peers.slice(0, 2)) peer.mesh.reauthorize()
    await waitFor('victim dropped', () => victim.mesh.linkedPeers().length === 0)
    const connectsBefore = net.hub.connects
    await new Promise((resolve) => setTimeout(resolve, 600))
    // Refused dials back off (50 ms doubling to 400 ms) instead of hammering.
    expect(net.hub.connects - connectsBefore).toBeLessThanOrEqual(8)
    for (const peer of net.peers.slice(0, 2))
      expect(peer.mesh.linkedPeers()).toEqual([
        net.peers.find((p) => p !== peer && p !== victim)!.id,
      ])
    expect(victim.mesh.linkedPeers()).toEqual([])

    banned.delete(victim.id)
    for (const peer of net.peers.slice(0, 2)) peer.mesh.reauthorize()
    await waitFor('victim back', () => fullMesh(net), 5000)
  })

  it('refuses a pipe whose peer cannot prove the ID it came in under', async () => {
    const logs: string[] = []
    network = await createMeshNetwork(2, { logs })
    const net = network
    const [a, b] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0]]
    await waitFor('linked', () => a.mesh.linkedPeers().length === 1)
    const ups: PeerId[] = []
    b.mesh.on('link-up', ({ peer }) => ups.push(peer))
    const impostor = await createTestIdentity()
    // The relay says the pipe comes from A; the far end holds another key.
    const pipe = await net.hub.connect(a.id, b.id)
    await expect(
      createLink({ pipe, identity: impostor, options: { log: () => {} } }),
    ).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ups).toEqual([])
    expect(b.mesh.linkedPeers()).toEqual([a.id])
    expect(logs.some((line) => line.includes(`incoming link from ${a.id} failed`))).toBe(true)
  })

  it('survives garbage on the mesh channel and closes a link that keeps sending it', async () => {
    const logs: string[] = []
    network = await createMeshNetwork(2, { logs })
    const net = network
    const [a, b] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0]]
    await waitFor('linked', () => a.mesh.linkedPeers().length === 1)
    const link = b.mesh.linkTo(a.id)!
    const got: string[] = []
    a.mesh.onMessage('ok', ({ data }) => got.push(text(data)))
    link.send('mesh', new Uint8Array([1, 1, 0, 200, 1, 2]))
    link.send('mesh', bytes('not a frame'))
    link.send('other-channel', bytes('ignored by the mesh'))
    b.mesh.send(a.id, 'ok', bytes('still fine'))
    await waitFor('message after garbage', () => got.length === 1)
    expect(logs.some((line) => line.includes('invalid mesh frame'))).toBe(true)
    const downs: string[] = []
    a.mesh.on('link-down', ({ reason }) => downs.push(reason))
    for (let i = 0; i < 60; i++) if (link.state === 'open') link.send('mesh', new Uint8Array([i]))
    await waitFor('link closed for garbage', () => downs.length === 1)
    expect(downs[0]).toContain('too many invalid mesh frames')
  })
})
