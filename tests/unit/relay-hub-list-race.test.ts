import { expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import type { BusListener, RelayBus } from '../../signaling/relay-bus.ts'
import { RelayHub, type HubMember } from '../../signaling/relay-hub.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { ServerMessage } from '../../src/peer/signaling/relay-protocol.ts'
import { randomPeerId, randomTopic } from '../contract/fixtures.ts'

/** A bus whose answers to join() and members() wait until the test gives them. */
class HeldBus implements RelayBus {
  readonly state = 'up' as const
  listener: BusListener | undefined
  readonly answers: Array<(peers: PeerId[]) => void> = []
  attach(listener: BusListener): void {
    this.listener = listener
  }
  join(): Promise<PeerId[]> {
    return new Promise((resolve) => this.answers.push(resolve))
  }
  members(): Promise<PeerId[]> {
    return new Promise((resolve) => this.answers.push(resolve))
  }
  leave(): void {}
  claim(): void {}
  release(): void {}
  send(): Promise<boolean> {
    return Promise.resolve(false)
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

function member(): HubMember & { got: ServerMessage[] } {
  const got: ServerMessage[] = []
  return {
    peerId: randomPeerId(),
    nearbyRoom: 'nearby|test',
    topics: new Map(),
    got,
    send: (message) => void got.push(message),
    offerSignal: () => true,
    replaced: () => {},
  }
}

/** The peers a client knows of after these messages, as relay-carrier.ts applies them. */
function known(messages: ServerMessage[], topic: Topic): PeerId[] {
  let peers = new Set<PeerId>()
  for (const m of messages) {
    if (m.type === 'peers' && m.topic === topic) peers = new Set(m.peers)
    if (m.type === 'peer-joined' && m.topic === topic) peers.add(m.peer)
    if (m.type === 'peer-left' && m.topic === topic) peers.delete(m.peer)
  }
  return [...peers].sort()
}

/** A hub on a held bus, with Alice joining a topic (the bus's answer not given yet). */
function aliceJoined(): { bus: HeldBus; alice: ReturnType<typeof member>; topic: Topic } {
  const bus = new HeldBus()
  const hub = new RelayHub({ bus, logger: silentLogger })
  const alice = member()
  hub.admit(alice)
  const topic = randomTopic()
  hub.join(alice, topic)
  return { bus, alice, topic }
}

// Two instances of a relay: a peer joined on the other one while this one's list of the room
// was on its way from Redis. The list was taken before that join, the "joined" event came
// first, and the list replaced it: the two peers never saw each other.
it('a peer list from the bus does not take back a peer that joined while it was on its way', async () => {
  const { bus, alice, topic } = aliceJoined()
  const [bob, carol] = [randomPeerId(), randomPeerId()]
  bus.listener!.room({ kind: 'joined', room: topic, peer: bob })
  bus.listener!.room({ kind: 'joined', room: topic, peer: carol })
  bus.listener!.room({ kind: 'left', room: topic, peer: carol })
  bus.answers.shift()!([]) // taken before any of those
  await Promise.resolve()
  await Promise.resolve()
  expect(alice.got.at(-1)).toEqual({ type: 'peers', topic, peers: [bob] })
  expect(known(alice.got, topic)).toEqual([bob])
})

it('the same holds for the lists a bus outage sends again', async () => {
  const { bus, alice, topic } = aliceJoined()
  bus.answers.shift()!([])
  await Promise.resolve()
  bus.listener!.resync()
  const bob = randomPeerId()
  bus.listener!.room({ kind: 'joined', room: topic, peer: bob })
  bus.answers.shift()!([])
  await Promise.resolve()
  await Promise.resolve()
  expect(known(alice.got, topic)).toEqual([bob])
})
