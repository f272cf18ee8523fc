import { describe, expect, it } from 'vitest'
import { Emitter } from '../../src/lib/emitter.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { createCombinedSignaling } from '../../src/peer/signaling/combined-signaling.ts'
import { SignalingView } from '../../src/peer/signaling/signaling-view.ts'
import { signalingWords } from '../../src/ui/signaling-words.ts'
import { onConnectionChange } from '../../src/ui/connection-changes.ts'
import type {
  Signaling,
  SignalingEvents,
  SignalingKind,
  SignalingState,
} from '../../src/peer/signaling/signaling.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'

// The default first contact: present on the relays and on the PeerJS broker at once, so that a
// device reaching only one of them meets the members, who are on both.

const TOPIC = 't-1' as Topic
const ANN = 'a'.repeat(32) as PeerId
const BOB = 'b'.repeat(32) as PeerId

/** A member whose state, presence and dial outcome the test sets. */
class FakeMember extends Emitter<SignalingEvents> implements Signaling {
  state: SignalingState = 'connecting'
  unanswered = false
  readonly topics = new Set<Topic>()
  readonly present = new Set<PeerId>()
  readonly dialed: PeerId[] = []
  dial: (peer: PeerId) => Promise<DataPipe> = (peer) =>
    Promise.reject(new Error(`${this.endpoint} cannot reach ${peer}`))
  constructor(
    readonly endpoint: string,
    readonly kind: SignalingKind,
  ) {
    super()
  }
  set(state: SignalingState, unanswered = false): void {
    this.state = state
    this.unanswered = unanswered
    this.emit('state', state)
  }
  arrive(peer: PeerId): void {
    this.present.add(peer)
    this.emit('peer-joined', { topic: TOPIC, peer })
  }
  fail(message: string): void {
    this.emit('error', { message })
  }
  depart(peer: PeerId): void {
    this.present.delete(peer)
    this.emit('peer-left', { topic: TOPIC, peer })
  }
  join(topic: Topic): void {
    this.topics.add(topic)
  }
  leave(topic: Topic): void {
    this.topics.delete(topic)
  }
  peers(topic: Topic): readonly PeerId[] {
    return this.topics.has(topic) ? [...this.present] : []
  }
  connect(peer: PeerId): Promise<DataPipe> {
    this.dialed.push(peer)
    return this.dial(peer)
  }
  close(): void {
    this.state = 'closed'
  }
}

function setUp() {
  const relay = new FakeMember('relay ws://r', 'relay')
  const broker = new FakeMember('peerjs http://b', 'peerjs')
  const combined = createCombinedSignaling([relay, broker])
  const events: string[] = []
  combined.on('peer-joined', ({ peer }) => events.push(`joined ${peer[0]}`))
  combined.on('peer-left', ({ peer }) => events.push(`left ${peer[0]}`))
  combined.join(TOPIC)
  return { relay, broker, combined, events }
}

describe('combined signaling', () => {
  it('joins every member and lists a peer once while any member lists it', () => {
    const { relay, broker, combined, events } = setUp()
    expect(relay.topics.has(TOPIC) && broker.topics.has(TOPIC)).toBe(true)
    relay.set('open')
    broker.set('open')
    relay.arrive(ANN)
    broker.arrive(ANN)
    broker.arrive(BOB) // Bob reaches only the broker
    expect([...combined.peers(TOPIC)].sort()).toEqual([ANN, BOB])
    expect(events).toEqual(['joined a', 'joined b'])

    relay.depart(ANN) // still on the broker
    expect(combined.peers(TOPIC)).toContain(ANN)
    relay.arrive(ANN) // back on the relay (a reload): announced again
    broker.depart(ANN)
    relay.depart(ANN)
    expect(events).toEqual(['joined a', 'joined b', 'joined a', 'left a'])
    expect(combined.peers(TOPIC)).toEqual([BOB])
  })

  it('dials through the first member that lists the peer, and keeps its failure', async () => {
    const { relay, broker, combined } = setUp()
    relay.set('open')
    broker.set('open')
    broker.arrive(BOB)
    const [mine] = createMemoryPipePair()
    broker.dial = () => Promise.resolve(mine)
    await expect(combined.connect(BOB)).resolves.toBe(mine)
    expect(relay.dialed).toEqual([]) // Bob is not on the relay

    relay.arrive(BOB)
    // The relay first: its failure (here the path's) is the dial's, not hidden by the broker.
    relay.dial = () => Promise.reject(new Error('TURN refused the user name/password'))
    await expect(combined.connect(BOB)).rejects.toThrow(/^TURN refused the user name\/password$/)
    expect(relay.dialed).toEqual([BOB])
    expect(broker.dialed).toEqual([BOB]) // only the first dial, when the relay did not list Bob

    relay.depart(BOB)
    relay.set('connecting') // the relay is down: the broker, which lists Bob, carries the dial
    await expect(combined.connect(BOB)).resolves.toBe(mine)
  })

  it('tries every open member in turn when none lists the peer', async () => {
    const { relay, broker, combined } = setUp()
    relay.set('open')
    broker.set('open')
    broker.dial = () => Promise.reject(new Error('no answer'))
    await expect(combined.connect(BOB)).rejects.toThrow(
      /via relay ws:\/\/r: .*cannot reach.*; via peerjs http:\/\/b: no answer/,
    )
  })

  it('stops at an abort instead of trying the next member', async () => {
    const { relay, broker, combined } = setUp()
    relay.set('open')
    broker.set('open')
    relay.arrive(BOB)
    broker.arrive(BOB)
    relay.dial = () => Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))
    await expect(combined.connect(BOB)).rejects.toMatchObject({ name: 'AbortError' })
    expect(broker.dialed).toEqual([])
  })

  it('is open while any member is, and unanswered only when none answers', () => {
    const { relay, broker, combined, events } = setUp()
    const states: SignalingState[] = []
    combined.on('state', (state) => states.push(state))
    expect(combined.state).toBe('connecting')
    expect(combined.endpoint).toBe('relay ws://r + peerjs http://b')
    expect(combined.endpointCount).toBe(2)

    relay.set('connecting', true) // the relays do not answer
    expect(combined.unanswered).toBe(false)
    broker.set('open')
    broker.arrive(ANN)
    expect(combined.state).toBe('open')
    expect(combined.kind).toBe('peerjs')
    expect(combined.endpoint).toBe('peerjs http://b')

    broker.set('connecting', true) // the broker drops too: its peers are gone
    expect(combined.state).toBe('connecting')
    expect(combined.unanswered).toBe(true)
    expect(combined.peers(TOPIC)).toEqual([])
    expect(events).toEqual(['joined a', 'left a'])
    expect(states).toEqual(['open', 'connecting'])

    combined.close()
    expect(relay.state).toBe('closed')
    expect(broker.state).toBe('closed')
    expect(combined.state).toBe('closed')
  })

  it('says how each member fares, and the header says "partly connected" while one fails', () => {
    const { relay, broker, combined } = setUp()
    const view = new SignalingView({ endpoint: 'starting', kind: 'relay' })
    view.follow(combined)
    let changes = 0
    view.onCarriersChange(() => changes++)
    const words = () =>
      signalingWords({
        state: view.state,
        unanswered: view.unanswered,
        endpointCount: view.endpointCount,
        carriers: view.carriers,
      })
    const rows = () => view.carriers.map((c) => [c.kind, c.state, c.failing, c.error ?? ''])
    expect(rows()).toEqual([
      ['relay', 'connecting', false, ''],
      ['peerjs', 'connecting', false, ''],
    ])

    broker.set('open') // the broker opens first: the relay is still only connecting
    expect(words().key).toBe('connected')
    relay.fail('could not connect to ws://r')
    relay.fail('signaling: relay ws://r closed; trying relay ws://r') // says less: the cause stays
    expect(rows()).toEqual([
      ['relay', 'connecting', true, 'could not connect to ws://r'],
      ['peerjs', 'open', false, ''],
    ])
    expect(changes).toBeGreaterThanOrEqual(2)
    expect(view.state).toBe('open')
    expect(words()).toMatchObject({ key: 'degraded', label: 'Partly connected' })
    expect(words().detail).toMatch(/^The relay does not answer/)

    relay.set('open') // it answers again: its error is history
    expect(rows()).toEqual([
      ['relay', 'open', false, ''],
      ['peerjs', 'open', false, ''],
    ])
    expect(words().key).toBe('connected')

    relay.set('connecting', true) // every relay tried, none answers; the broker drops too
    broker.set('connecting', true)
    expect(words().key).toBe('unanswered') // nothing is open: not "partly" anything
    broker.set('open')
    expect(words().detail).toMatch(/^The relay does not answer/)
  })
})

describe('what the UI shows of the connection (src/ui/connection-changes.ts)', () => {
  it('hears the endpoint change when a second carrier opens beside one already open', () => {
    const relay = new FakeMember('relay ws://x/relay', 'relay')
    const broker = new FakeMember('peerjs http://x/peerjs', 'peerjs')
    const view = new SignalingView({ endpoint: 'starting', kind: 'relay' })
    view.follow(createCombinedSignaling([relay, broker]))
    let shown = view.endpoint
    const off = onConnectionChange(view, () => (shown = view.endpoint))
    // The broker answers first; the relay's welcome comes a moment later.
    broker.set('open')
    expect(shown).toBe('peerjs http://x/peerjs')
    relay.set('open')
    expect(view.state).toBe('open')
    expect(shown).toBe('relay ws://x/relay + peerjs http://x/peerjs')
    off()
    relay.set('closed')
    expect(shown).toBe('relay ws://x/relay + peerjs http://x/peerjs')
  })
})
