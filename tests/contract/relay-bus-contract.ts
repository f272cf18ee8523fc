/**
 * The contract every relay bus adapter passes (signaling/relay-bus.ts). A runner supplies a
 * harness that makes buses of one shared network, as separate relay instances would hold.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BusListener, PeerEvent, RelayBus, RoomEvent } from '../../signaling/relay-bus.ts'
import { until } from '../support/until.ts'
import { delay, randomPeerId, randomTopic } from './fixtures.ts'

export interface RelayBusHarness {
  /** Makes `count` buses sharing one network, each as another relay instance. */
  create(count: number): Promise<RelayBus[]>
  teardown(): Promise<void>
}

/** A bus with a listener that records what it is told. */
class Recorder implements BusListener {
  readonly rooms: RoomEvent[] = []
  readonly peers: PeerEvent[] = []
  resyncs = 0
  room(event: RoomEvent): void {
    this.rooms.push(event)
  }
  peer(event: PeerEvent): void {
    this.peers.push(event)
  }
  resync(): void {
    this.resyncs++
  }
}

/** How long a bus may take to carry an event to another instance. */
const CARRY_MS = 3000
/** How long to watch for an event that must not come. */
const QUIET_MS = 150

export function relayBusContract(name: string, harness: RelayBusHarness): void {
  describe(`relay bus contract: ${name}`, () => {
    afterEach(() => harness.teardown())

    type Node = [RelayBus, Recorder]
    /** Three instances of one network, each with a recording listener. */
    async function attached(): Promise<[Node, Node, Node]> {
      const nodes = (await harness.create(3)).map((bus): Node => {
        const recorder = new Recorder()
        bus.attach(recorder)
        return [bus, recorder]
      })
      return [nodes[0]!, nodes[1]!, nodes[2]!]
    }

    it('is up once it shares a network with another instance', async () => {
      const [[a], [b]] = await attached()
      expect(a.state).toBe('up')
      expect(b.state).toBe('up')
    })

    it('answers a join with the peers held elsewhere and tells those instances', async () => {
      const [[a, heardA], [b, heardB]] = await attached()
      const room = randomTopic()
      const [alice, bob, carol] = [randomPeerId(), randomPeerId(), randomPeerId()]
      expect(await a.join(room, alice)).toEqual([])
      expect(await b.join(room, bob)).toEqual([alice])
      await until(
        () => heardA.rooms.find((e) => e.kind === 'joined' && e.peer === bob),
        'a to hear that bob joined',
        CARRY_MS,
      )
      // An instance's own members are its hub's business: neither listed nor announced to it.
      expect(await a.join(room, carol)).toEqual([bob])
      expect(await a.members(room)).toEqual([bob])
      await until(() => heardB.rooms.find((e) => e.peer === carol), 'b to hear of carol', CARRY_MS)
      expect(heardA.rooms.filter((e) => e.peer === alice || e.peer === carol)).toEqual([])
    })

    it('tells an instance only of rooms where it has members', async () => {
      const [[a], [, heardB]] = await attached()
      await a.join(randomTopic(), randomPeerId())
      await delay(QUIET_MS)
      expect(heardB.rooms).toEqual([])
    })

    it('tells the room when a member leaves, and lists it no more', async () => {
      const [[a], [b, heardB]] = await attached()
      const room = randomTopic()
      const [alice, bob] = [randomPeerId(), randomPeerId()]
      await a.join(room, alice)
      await b.join(room, bob)
      a.leave(room, alice)
      await until(
        () => heardB.rooms.find((e) => e.kind === 'left' && e.peer === alice && e.room === room),
        'b to hear that alice left',
        CARRY_MS,
      )
      expect(await b.members(room)).toEqual([])
    })

    it('delivers an event to the instance that claimed its peer, and says when none did', async () => {
      const [[a], [b, heardB]] = await attached()
      const [alice, bob] = [randomPeerId(), randomPeerId()]
      a.claim(alice)
      b.claim(bob)
      await delay(QUIET_MS)
      const signal: PeerEvent = {
        kind: 'signal',
        to: bob,
        from: alice,
        rooms: ['room-1'],
        data: '{"sdp":"x"}',
      }
      expect(await a.send(signal)).toBe(true)
      await until(() => heardB.peers.find((e) => e.kind === 'signal'), 'the signal at b', CARRY_MS)
      expect(heardB.peers).toEqual([signal])
      expect(await a.send({ ...signal, to: randomPeerId() })).toBe(false)
      b.release(bob)
      await delay(QUIET_MS)
      expect(await a.send(signal)).toBe(false)
    })

    it('tells the older instance when its peer is claimed on another', async () => {
      const [[a, heardA], [b, heardB]] = await attached()
      const alice = randomPeerId()
      a.claim(alice)
      await delay(QUIET_MS)
      b.claim(alice)
      await until(
        () => heardA.peers.find((e) => e.kind === 'replaced' && e.to === alice),
        'a to hear that alice was claimed on b',
        CARRY_MS,
      )
      await delay(QUIET_MS)
      expect(heardB.peers).toEqual([])
    })

    it('keeps a member that moved to another instance when the old one lets it go', async () => {
      const [[a], [b], [c, heardC]] = await attached()
      const room = randomTopic()
      const [alice, carol] = [randomPeerId(), randomPeerId()]
      await c.join(room, carol)
      await a.join(room, alice)
      await b.join(room, alice)
      a.leave(room, alice)
      await delay(QUIET_MS)
      expect(await c.members(room)).toEqual([alice])
      expect(heardC.rooms.filter((e) => e.kind === 'left')).toEqual([])
    })

    it('takes its members out of every room when it closes', async () => {
      const [[a], [b, heardB]] = await attached()
      const room = randomTopic()
      const [alice, bob] = [randomPeerId(), randomPeerId()]
      await a.join(room, alice)
      await b.join(room, bob)
      await a.close()
      expect(await b.members(room)).toEqual([])
      await until(
        () => heardB.rooms.find((e) => e.kind === 'left' && e.peer === alice),
        'b to hear that alice left with her instance',
        CARRY_MS,
      )
    })
  })
}
