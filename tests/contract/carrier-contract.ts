/**
 * The smaller contract of SignalCarriers that meet peers in topics and carry opaque signals
 * (relay, BroadcastChannel). The manual carrier has no channel of its own; it is covered
 * through the Signaling contract and its own tests.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { SignalCarrier, SignalCarrierEvents } from '../../src/peer/signaling/signaling.ts'
import { delay, randomTopic, until } from './fixtures.ts'

/** A peer that leaves or closes says so: others hear of it this fast, not by a timeout. */
const DEPARTURE_MS = 1000

export interface CarrierNode {
  readonly id: PeerId
  readonly carrier: SignalCarrier
}

export interface CarrierHarness {
  /** Makes `count` carriers with distinct peer IDs. */
  create(count: number): Promise<CarrierNode[]>
  /** Sends malformed messages at `target` through the carrier's transport, if it can. */
  sendGarbage?(target: CarrierNode): Promise<void>
  teardown(): Promise<void>
}

export function describeCarrierContract(name: string, makeHarness: () => CarrierHarness): void {
  describe(`SignalCarrier contract: ${name}`, () => {
    let harness: CarrierHarness | undefined
    const nodes: CarrierNode[] = []
    const create = async (count: number) => {
      harness = makeHarness()
      const made = await harness.create(count)
      nodes.push(...made)
      return made
    }
    const meet = async (topic: Topic, ...group: CarrierNode[]) => {
      for (const node of group) node.carrier.join(topic)
      for (const node of group) {
        for (const other of group) {
          if (other === node) continue
          await until(() => node.carrier.peers(topic).includes(other.id), 'peers to meet')
        }
      }
    }

    afterEach(async () => {
      for (const node of nodes.splice(0)) node.carrier.close()
      await harness?.teardown()
      harness = undefined
    })

    it('peers in one topic see each other, and only there', async () => {
      const [a, b, c] = await create(3)
      const topic = randomTopic()
      const joined = record(a!.carrier, 'peer-joined')
      c!.carrier.join(randomTopic())
      await meet(topic, a!, b!)
      expect(a!.carrier.peers(topic)).toEqual([b!.id])
      expect(b!.carrier.peers(topic)).toEqual([a!.id])
      expect(joined).toEqual([{ topic, peer: b!.id }])
      await delay(300)
      expect(joined).toHaveLength(1)
    })

    it('carries an opaque signal to its addressee only', async () => {
      const [a, b, c] = await create(3)
      await meet(randomTopic(), a!, b!, c!)
      const atB = record(b!.carrier, 'signal')
      const atC = record(c!.carrier, 'signal')
      const data = { v: 1, nested: { list: [1, 'two', null], text: 'ünïcode' } }
      a!.carrier.send(b!.id, data)
      await until(() => atB.length === 1, 'the signal')
      expect(atB).toEqual([{ from: a!.id, data }])
      await delay(200)
      expect(atC).toEqual([])
    })

    it('reports a peer that leaves, and again when it rejoins', async () => {
      const [a, b] = await create(2)
      const topic = randomTopic()
      await meet(topic, a!, b!)
      const left = record(a!.carrier, 'peer-left')
      b!.carrier.leave(topic)
      await until(() => left.length === 1, 'peer-left', DEPARTURE_MS)
      expect(left).toEqual([{ topic, peer: b!.id }])
      expect(a!.carrier.peers(topic)).toEqual([])
      b!.carrier.join(topic)
      await until(() => a!.carrier.peers(topic).includes(b!.id), 'the peer to rejoin')
    })

    it('reports a peer that closes, and closes cleanly', async () => {
      const [a, b] = await create(2)
      const topic = randomTopic()
      await meet(topic, a!, b!)
      const left = record(a!.carrier, 'peer-left')
      const states = record(b!.carrier, 'state')
      b!.carrier.close()
      expect(b!.carrier.state).toBe('closed')
      expect(states).toEqual(['closed'])
      await until(() => left.length === 1, 'peer-left', DEPARTURE_MS)
      expect(left).toEqual([{ topic, peer: b!.id }])
      b!.carrier.close()
    })

    it('survives garbage and keeps carrying', async () => {
      const [a, b] = await create(2)
      await meet(randomTopic(), a!, b!)
      const atB = record(b!.carrier, 'signal')
      await harness?.sendGarbage?.(b!)
      expect(b!.carrier.state).not.toBe('closed')
      a!.carrier.send(b!.id, { after: 'garbage' })
      await until(() => atB.some((s) => s.from === a!.id), 'a signal after the garbage')
    })
  })
}

function record<K extends keyof SignalCarrierEvents>(
  carrier: SignalCarrier,
  event: K,
): SignalCarrierEvents[K][] {
  const seen: SignalCarrierEvents[K][] = []
  carrier.on(event, (value) => seen.push(value))
  return seen
}
