import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { decodeBeacon, encodeBeacon, PRESENCE_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import { createPresence } from '../../src/peer/mesh/presence.ts'
import { FakeClock } from '../support/fake-clock.ts'
import { FakePresenceMesh } from '../support/fake-presence-mesh.ts'
import { createMeshNetwork, GROUP, waitFor } from '../support/fake-mesh-network.ts'

const [A, B, C] = ['a', 'b', 'c'].map((letter) => letter.repeat(32) as PeerId) as [
  PeerId,
  PeerId,
  PeerId,
]

function setup() {
  const clock = new FakeClock()
  const mesh = new FakePresenceMesh(B)
  mesh.setGroup('g', [A, B, C])
  const logs: string[] = []
  const presence = createPresence({ mesh, options: { clock, log: (line) => logs.push(line) } })
  const beacon = (from: PeerId, seq: number, leaving = false, group = 'g') =>
    mesh.deliver(PRESENCE_CHANNEL, {
      from,
      hops: 1,
      group,
      data: encodeBeacon({ seq, neighbours: [B], leaving }),
    })
  return { clock, mesh, presence, beacon, logs }
}

describe('presence (fake clock)', () => {
  it('beacons every second with its linked group members', () => {
    const { clock, mesh } = setup()
    mesh.linked = [A, 'z'.repeat(32) as PeerId]
    clock.advance(250)
    clock.advance(1000)
    const beacons = mesh.sent.filter((s) => s.channel === PRESENCE_CHANNEL)
    expect(beacons).toHaveLength(2)
    const decoded = decodeBeacon(beacons[1]!.data)
    expect(decoded.ok && decoded.beacon.neighbours).toEqual([A])
    expect(decoded.ok && decoded.beacon.leaving).toBe(false)
  })

  it('calls nobody offline on the late tick after its own thread stalled', () => {
    const { clock, presence, beacon } = setup()
    beacon(A, 10)
    clock.advance(500)
    clock.stall(5000) // a long task: A's beacons from meanwhile wait behind the timers
    clock.advance(0)
    expect(presence.online('g')).toEqual([A, B])
    beacon(A, 11) // read after the late timers
    clock.advance(500)
    expect(presence.online('g')).toEqual([A, B])
    clock.advance(3500) // A is silent for real now
    expect(presence.online('g')).toEqual([B])
  })

  it('marks a peer unheard for 3 s offline, and back online when heard', () => {
    const { clock, presence, beacon } = setup()
    const changes: (readonly PeerId[])[] = []
    presence.on('change', ({ online }) => changes.push(online))
    expect(presence.online('g')).toEqual([B])
    beacon(A, 10)
    beacon(C, 10)
    expect(presence.online('g')).toEqual([A, B, C])
    clock.advance(2000)
    beacon(C, 11)
    clock.advance(900)
    expect(presence.online('g')).toEqual([A, B, C])
    clock.advance(350)
    expect(presence.online('g')).toEqual([B, C])
    expect(presence.isOnline('g', A)).toBe(false)
    beacon(A, 12)
    expect(presence.online('g')).toEqual([A, B, C])
    expect(changes).toEqual([
      [A, B],
      [A, B, C],
      [B, C],
      [A, B, C],
    ])
  })

  it('drops a leaving peer at once and ignores older beacons after it', () => {
    const { presence, beacon } = setup()
    beacon(A, 10)
    beacon(A, 11, true)
    expect(presence.online('g')).toEqual([B])
    beacon(A, 9)
    expect(presence.online('g')).toEqual([B])
  })

  it('shortens the wait for a peer whose direct link dropped', () => {
    const { clock, mesh, presence, beacon } = setup()
    beacon(A, 10)
    mesh.fire('link-down', { peer: A, reason: 'pipe closed' })
    clock.advance(1600)
    expect(presence.online('g')).toEqual([B])
  })

  it('ignores beacons for unknown groups, from removed members, and malformed ones', () => {
    const { mesh, presence, beacon, logs } = setup()
    beacon(A, 1, false, 'other')
    mesh.deliver(PRESENCE_CHANNEL, { from: A, hops: 1, group: 'g', data: new Uint8Array([1]) })
    mesh.deliver(PRESENCE_CHANNEL, {
      from: A,
      hops: 1,
      data: encodeBeacon({ seq: 1, neighbours: [], leaving: false }),
    })
    expect(presence.online('g')).toEqual([B])
    expect(logs.some((line) => line.includes('dropped beacon'))).toBe(true)
    beacon(C, 5)
    mesh.setGroup('g', [A, B])
    expect(presence.online('g')).toEqual([B])
  })

  it('says goodbye when closed', () => {
    const { mesh, presence } = setup()
    presence.close()
    const last = mesh.sent.at(-1)
    const decoded = last && decodeBeacon(last.data)
    expect(decoded?.ok && decoded.beacon.leaving).toBe(true)
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
