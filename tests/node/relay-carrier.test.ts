import { WebSocket, WebSocketServer } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic } from '../../src/peer/ids.ts'
import {
  createRelayCarrier,
  type RelayCarrier,
  type RelayCarrierOptions,
} from '../../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { nextEvent, reachState, recordEvents } from './relay-carrier-helpers.ts'

const topic = asTopic('workplace-x')
const servers: SignalingServer[] = []
const carriers: RelayCarrier[] = []
const fakes: WebSocketServer[] = []

async function startServer(port = 0): Promise<SignalingServer> {
  const server = await createSignalingServer({ port, logger: silentLogger, peerjs: false })
  servers.push(server)
  return server
}

async function carrier(
  url: string,
  options: Partial<RelayCarrierOptions> & { identity?: Identity } = {},
): Promise<RelayCarrier> {
  const created = createRelayCarrier({
    url,
    identity: options.identity ?? (await createTestIdentity()),
    WebSocket,
    backoff: { initialMs: 50, maxMs: 200 },
    ...options,
  })
  carriers.push(created)
  return created
}

afterEach(async () => {
  for (const c of carriers.splice(0)) c.close()
  for (const fake of fakes.splice(0)) fake.close()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('relay carrier against the real server', () => {
  it('authenticates, joins a topic, sees the other peer and carries signals', async () => {
    const server = await startServer()
    const alice = await carrier(server.relayUrl)
    const bob = await carrier(server.relayUrl)
    expect(alice.kind).toBe('relay')
    expect(alice.endpoint).toBe(`relay ${server.relayUrl}`)

    alice.join(topic)
    await reachState(alice, 'open')
    const bobSeen = nextEvent(alice, 'peer-joined')
    bob.join(topic)
    const aliceSeen = nextEvent(bob, 'peer-joined')
    const [seenByAlice, seenByBob] = await Promise.all([bobSeen, aliceSeen])
    expect(seenByAlice.topic).toBe(topic)
    expect(alice.peers(topic)).toEqual([seenByAlice.peer])
    expect(bob.peers(topic)).toEqual([seenByBob.peer])

    const signal = nextEvent(bob, 'signal')
    alice.send(seenByAlice.peer, { type: 'offer', sdp: 'v=0' })
    expect(await signal).toEqual({ from: seenByBob.peer, data: { type: 'offer', sdp: 'v=0' } })

    const left = nextEvent(alice, 'peer-left')
    bob.leave(topic)
    expect((await left).peer).toBe(seenByAlice.peer)
    expect(alice.peers(topic)).toEqual([])
  })

  it('reconnects after a server restart on the same port and re-joins its topics', async () => {
    const first = await startServer()
    const port = first.address.port
    const bobIdentity = await createTestIdentity()
    const alice = await carrier(first.relayUrl)
    const bob = await carrier(first.relayUrl, { identity: bobIdentity })
    alice.join(topic)
    bob.join(topic)
    await nextEvent(alice, 'peer-joined')
    const aliceEvents = recordEvents(alice, [
      'state',
      'peer-joined',
      'peer-left',
      'signal',
      'error',
    ])

    await first.close()
    await reachState(alice, 'connecting')
    expect(alice.peers(topic)).toEqual([])
    expect(aliceEvents.events.some((e) => e.event === 'peer-left')).toBe(true)

    await startServer(port)
    const again = await nextEvent(alice, 'peer-joined', undefined, 10_000)
    expect(again).toEqual({ topic, peer: bobIdentity.peerId })
    expect(alice.state).toBe('open')
    await reachState(bob, 'open')
    const signal = nextEvent(bob, 'signal')
    alice.send(again.peer, 'hello again')
    expect((await signal).data).toBe('hello again')
  })

  it('stops for good when closed', async () => {
    const server = await startServer()
    const alice = await carrier(server.relayUrl)
    await reachState(alice, 'open')
    const states: string[] = []
    alice.on('state', (state) => states.push(state))
    alice.close()
    expect(alice.state).toBe('closed')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(states).toEqual(['closed'])
  })

  it('gives way, without a reconnect fight, when the same identity connects elsewhere', async () => {
    const server = await startServer()
    const identity = await createTestIdentity()
    const tab1 = await carrier(server.relayUrl, { identity })
    await reachState(tab1, 'open')
    const replaced = nextEvent(tab1, 'error', (e) => e.message.includes('replaced'))
    const tab2 = await carrier(server.relayUrl, { identity })
    await replaced
    await reachState(tab1, 'closed')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(tab2.state).toBe('open')
  })

  it('reports a refused send and an oversized signal as errors', async () => {
    const server = await startServer()
    // Made first: awaiting it between connecting and sending gave the relay time to welcome.
    const stranger = (await createTestIdentity()).peerId
    const alice = await carrier(server.relayUrl)
    const early = nextEvent(alice, 'error')
    alice.send(stranger, 'too early')
    expect((await early).message).toMatch(/not connected/)
    await reachState(alice, 'open')
    const big = nextEvent(alice, 'error')
    alice.send((await createTestIdentity()).peerId, 'x'.repeat(70_000))
    expect((await big).message).toMatch(/too large/)
  })
})

describe('relay carrier against a misbehaving relay', () => {
  async function fakeRelay(onConnection: (socket: WebSocket) => void): Promise<string> {
    const fake = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    fakes.push(fake)
    fake.on('connection', onConnection)
    await new Promise((resolve) => fake.once('listening', resolve))
    const address = fake.address()
    if (!address || typeof address === 'string') throw new Error('unexpected address')
    return `ws://127.0.0.1:${address.port}/relay`
  }

  it('drops invalid frames with an error and keeps going', async () => {
    const url = await fakeRelay((socket) => {
      socket.send('not json')
      socket.send(JSON.stringify({ type: 'peer-joined', topic: 'x', peer: 'not-a-peer' }))
    })
    const alice = await carrier(url)
    const errors: string[] = []
    alice.on('error', (e) => errors.push(e.message))
    await expect.poll(() => errors.length).toBe(2)
    expect(errors[0]).toMatch(/invalid message.*JSON/)
    expect(errors[1]).toMatch(/invalid message.*peer/)
    expect(alice.state).toBe('connecting')
  })

  it('gives up on a relay that never welcomes it, then retries', async () => {
    let connections = 0
    const url = await fakeRelay(() => connections++)
    const alice = await carrier(url, { connectTimeoutMs: 100 })
    expect((await nextEvent(alice, 'error')).message).toMatch(/did not welcome/)
    await expect.poll(() => connections, { timeout: 3000 }).toBeGreaterThanOrEqual(2)
  })

  it('refuses a relay that speaks another protocol version', async () => {
    const url = await fakeRelay((socket) =>
      socket.send(JSON.stringify({ type: 'challenge', nonce: 'AAAA', version: 2 })),
    )
    const alice = await carrier(url, { reconnect: false })
    expect((await nextEvent(alice, 'error')).message).toMatch(/incompatible relay/)
    await reachState(alice, 'closed')
  })
})
