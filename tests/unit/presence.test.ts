import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { PRESENCE_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import {
  decodePresence,
  encodePresence,
  type PresenceMessage,
  type PresenceRecord,
} from '../../src/peer/mesh/presence-protocol.ts'
import { createPresence } from '../../src/peer/mesh/presence.ts'
import { FakeClock } from '../support/fake-clock.ts'
import { FakePresenceMesh } from '../support/fake-presence-mesh.ts'
import { createMeshNetwork, GROUP, waitFor } from '../support/fake-mesh-network.ts'
import { SimPresenceNetwork, simPeerId } from '../support/sim-presence-network.ts'

const [A, B, C, D] = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(32) as PeerId) as [
  PeerId,
  PeerId,
  PeerId,
  PeerId,
]

const record = (version: number, links: PeerId[], leaving = false): PresenceRecord => ({
  version,
  links,
  leaving,
})

function setup() {
  const clock = new FakeClock()
  const mesh = new FakePresenceMesh(B)
  mesh.setGroup('g', [A, B, C, D])
  const logs: string[] = []
  const presence = createPresence({ mesh, options: { clock, log: (line) => logs.push(line) } })
  const from = (peer: PeerId, message: PresenceMessage) =>
    mesh.deliver(PRESENCE_CHANNEL, { from: peer, hops: 1, data: encodePresence(message) })
  const records = (peer: PeerId, entries: [PeerId, PresenceRecord][], group = 'g') =>
    from(peer, { type: 'records', group, records: new Map(entries) })
  const sent = () =>
    mesh.sent.map(({ to, data }) => {
      const decoded = decodePresence(data)
      if (!decoded.ok) throw new Error(decoded.reason)
      return { to, ...decoded.message }
    })
  return { clock, mesh, presence, from, records, sent, logs }
}

describe('presence gossip (fake clock)', () => {
  it('counts a linked member online once its record arrives, and members its records vouch for', () => {
    const { mesh, presence, records } = setup()
    mesh.setLinked(A, true)
    expect(presence.online('g')).toEqual([B]) // linked, but no record yet: it may not run 'g'
    records(A, [
      [A, record(5, [B, C])],
      [C, record(7, [A])],
    ])
    expect(presence.online('g')).toEqual([A, B, C])
    expect(presence.neighboursOf('g', A)).toEqual([B, C])
    // D has a record but nobody online claims a link to it: a stale record of a gone member.
    records(A, [[D, record(3, [C])]])
    expect(presence.online('g')).toEqual([A, B, C])
  })

  it('calls a crashed member offline as soon as the neighbours that lost it say so', () => {
    const { mesh, presence, records } = setup()
    mesh.setLinked(A, true)
    records(A, [
      [A, record(5, [B, C])],
      [C, record(7, [A, D])],
      [D, record(2, [C])],
    ])
    expect(presence.online('g')).toEqual([A, B, C, D])
    records(A, [[C, record(8, [A])]]) // C lost its link to D
    expect(presence.online('g')).toEqual([A, B, C])
    records(A, [[C, record(6, [A, D])]]) // older news changes nothing
    expect(presence.online('g')).toEqual([A, B, C])
    mesh.setLinked(A, false) // our only way to the others
    expect(presence.online('g')).toEqual([B])
  })

  it('stops vouching for a peer whose link went silent and is restarting its path', () => {
    const { mesh, presence, records, sent, clock } = setup()
    mesh.setLinked(A, true)
    mesh.setLinked(C, true)
    records(A, [[A, record(5, [B])]])
    records(C, [[C, record(5, [B])]])
    expect(presence.online('g')).toEqual([A, B, C])
    mesh.sent.length = 0
    // A crashed: its link falls silent and restarts (for up to 20 s) instead of closing.
    mesh.setPath(A, 'restarting')
    expect(presence.online('g')).toEqual([B, C])
    clock.advance(150)
    const own = sent().find((m) => m.to === C && m.type === 'records')
    expect(own?.type === 'records' && own.records.get(B)?.links).toEqual([C])
    mesh.setPath(A, 'ok') // it was a blip after all
    expect(presence.online('g')).toEqual([A, B, C])
  })

  it('takes a leaving member offline at once, though its links still stand', () => {
    const { mesh, presence, records } = setup()
    mesh.setLinked(A, true)
    records(A, [[A, record(5, [B])]])
    expect(presence.online('g')).toEqual([A, B])
    records(A, [[A, record(6, [B], true)]])
    expect(presence.online('g')).toEqual([B])
  })

  it('pushes its own record once per change to each neighbour, batched, then only digests', () => {
    const { clock, mesh, sent } = setup()
    mesh.setLinked(A, true)
    mesh.setLinked(C, true)
    clock.advance(150)
    const pushes = sent().filter((m) => m.type === 'records')
    expect(pushes.map((m) => m.to).sort()).toEqual([A, C])
    for (const push of pushes) {
      expect(push.type === 'records' && push.records.get(B)?.links).toEqual([A, C])
    }
    mesh.sent.length = 0
    clock.advance(10_000) // nothing changes: a digest per link every 2 s, nothing else
    const types = sent().map((m) => m.type)
    expect(types).toHaveLength(10)
    expect(new Set(types)).toEqual(new Set(['digest']))
  })

  it('answers a digest that stays different with its versions, and versions with the newer records', () => {
    const { clock, mesh, from, sent, records } = setup()
    mesh.setLinked(A, true)
    records(A, [[C, record(7, [A])]])
    clock.advance(150)
    mesh.sent.length = 0
    const digest = { type: 'digest', group: 'g', digest: '0123456789abcdef', count: 1 } as const
    from(A, digest)
    clock.advance(150)
    expect(sent()).toEqual([]) // it may differ only while changes are on their way
    from(A, digest) // the same again: it differs for good
    clock.advance(150)
    const [versions] = sent()
    expect(versions?.type === 'versions' && versions.reply).toBe(true)
    expect(versions?.type === 'versions' && versions.have.get(C)).toBe(7)
    mesh.sent.length = 0
    clock.advance(500) // one ask per group every 500 ms
    from(A, { type: 'versions', group: 'g', have: new Map([[C, 9]]), reply: true })
    clock.advance(150)
    const answer = sent()
    const pushed = answer.find((m) => m.type === 'records')
    expect(pushed?.type === 'records' && [...pushed.records.keys()]).toEqual([B])
    // A holds a newer record of C than we do: we tell it our versions so it sends that.
    expect(answer.some((m) => m.type === 'versions' && !m.reply)).toBe(true)
  })

  it('outranks a record of its own from an earlier run', () => {
    const { mesh, records, sent, clock } = setup()
    mesh.setLinked(A, true)
    records(A, [[B, record(9_999_999_999, [], true)]])
    clock.advance(150)
    const own = sent()
      .filter((m) => m.type === 'records')
      .map((m) => (m.type === 'records' ? m.records.get(B) : undefined))
      .at(-1)
    expect(own?.version).toBeGreaterThan(9_999_999_999)
    expect(own?.leaving).toBe(false)
  })

  it('drops malformed messages, other groups and non-members with a log line', () => {
    const { mesh, presence, records, logs } = setup()
    mesh.setLinked(A, true)
    mesh.deliver(PRESENCE_CHANNEL, { from: A, hops: 1, data: new Uint8Array([0xc3, 0x28]) })
    mesh.deliver(PRESENCE_CHANNEL, {
      from: A,
      hops: 1,
      data: new TextEncoder().encode('{"v":1,"seq":3,"neighbours":[],"leaving":false}'),
    })
    records(A, [[A, record(1, [B])]], 'other')
    records('e'.repeat(32) as PeerId, [[A, record(1, [B])]])
    expect(presence.online('g')).toEqual([B])
    expect(logs.filter((line) => line.includes('dropped presence'))).toHaveLength(2)
    records(A, [[A, record(1, [B])]])
    mesh.setGroup('g', [B, C])
    expect(presence.online('g')).toEqual([B])
  })

  it('carries the links a record calls quiet, and refuses quiet peers that are no links', () => {
    const withQuiet = { ...record(4, [A, C]), quiet: [C] }
    const data = encodePresence({ type: 'records', group: 'g', records: new Map([[B, withQuiet]]) })
    const decoded = decodePresence(data)
    expect(
      decoded.ok && decoded.message.type === 'records' && decoded.message.records.get(B),
    ).toEqual(withQuiet)
    const bad = (q: unknown) =>
      decodePresence(
        new TextEncoder().encode(
          JSON.stringify({
            v: 2,
            g: 'g',
            t: 'records',
            records: [{ p: B, n: 1, l: [A], x: false, q }],
          }),
        ),
      )
    expect(bad([A]).ok).toBe(true)
    expect(bad([C])).toEqual({ ok: false, reason: 'bad record' })
    expect(bad('nope')).toEqual({ ok: false, reason: 'bad record' })
  })

  it('leaves a member every neighbour calls quiet out of the responsive, not out of the online', () => {
    const { mesh, presence, records } = setup()
    mesh.setLinked(C, true)
    records(C, [
      [C, record(5, [A, B])],
      [A, record(7, [C])],
    ])
    expect(presence.responsive('g')).toEqual([A, B, C])
    records(C, [[C, { ...record(6, [A, B]), quiet: [A] }]])
    expect(presence.online('g')).toEqual([A, B, C])
    expect(presence.responsive('g')).toEqual([B, C])
    records(C, [[C, record(8, [A, B])]]) // A spoke again
    expect(presence.responsive('g')).toEqual([A, B, C])
  })

  it('says goodbye at once when closed', () => {
    const { mesh, presence, sent } = setup()
    mesh.setLinked(A, true)
    mesh.sent.length = 0
    presence.close()
    const goodbye = sent().filter((m) => m.type === 'records' && m.records.get(B)?.leaving)
    expect(goodbye.map((m) => m.to)).toEqual([A])
  })
})

describe('presence at scale (simulated links)', () => {
  it('50 members agree on who is online with a bounded number of frames per peer', () => {
    const ids = Array.from({ length: 50 }, (_, i) => simPeerId(i))
    const sim = new SimPresenceNetwork(ids)
    sim.applyTopology()
    sim.clock.advance(3000)
    for (const id of ids) expect(sim.online(id)).toHaveLength(50)
    sim.resetCounts()
    sim.clock.advance(10_000)
    const perPeerPerSecond = Math.max(...sim.frames.values()) / 10
    // Flooded beacons cost N x links frames per peer per second (hundreds at 50 members).
    expect(perPeerPerSecond).toBeLessThanOrEqual(10)

    const crashed = ids[7]!
    sim.crash(crashed)
    sim.clock.advance(500)
    for (const id of sim.nodes.keys()) expect(sim.online(id)).not.toContain(crashed)
    expect(sim.online(ids[0]!)).toHaveLength(49)
  })
})

describe('presence over a mesh', () => {
  let network: Awaited<ReturnType<typeof createMeshNetwork>> | undefined
  afterEach(() => network?.close())

  it('every peer sees all online, and a crashed peer offline within 3 s', async () => {
    network = await createMeshNetwork(4, { presence: {} })
    const net = network
    const views = () => net.peers.map((peer) => peer.presence!.online(GROUP))
    await waitFor('all online', () => views().every((online) => online.length === 4))
    const [crashed, ...rest] = net.peers
    net.crash(crashed!)
    const took = await waitFor('crash noticed', () =>
      rest.every((peer) => !peer.presence!.isOnline(GROUP, crashed!.id)),
    )
    expect(took).toBeLessThan(3000)
    for (const peer of rest) expect(peer.presence!.online(GROUP)).toEqual(net.ids.slice(1))
  })
})
