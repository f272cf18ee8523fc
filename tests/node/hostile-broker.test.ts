import { afterEach, describe, expect, it } from 'vitest'
import type { Logger } from '../../signaling/config.ts'
import { silentLogger } from '../../signaling/config.ts'
import {
  createSignalingServer,
  type SignalingServer,
  type SignalingServerOptions,
} from '../../signaling/server.ts'
import { mainPeerJsId, topicHash } from '../../src/peer/signaling/peerjs-presence.ts'
import type { Topic } from '../../src/peer/ids.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { BrokerTestClient } from './hostile/broker-client.ts'
import { hostileFrames } from './hostile/fuzz-frames.ts'
import { checkBrokerFrame, DEFAULT_BROKER_LIMITS } from '../../signaling/peerjs-frames.ts'

let server: SignalingServer | undefined
const clients: BrokerTestClient[] = []

async function start(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  server = await createSignalingServer({ logger: silentLogger, ...options })
  return server
}

async function connect(): Promise<BrokerTestClient> {
  const client = await BrokerTestClient.connect(server!.address.url)
  clients.push(client)
  return client
}

/** An offer from one client to another, as a PeerJS client sends it. */
const offer = (dst: string, payload: unknown = { sdp: { type: 'offer', sdp: 'v=0' } }) => ({
  type: 'OFFER',
  dst,
  payload,
})

/** The broker still answers HTTP and still relays an offer between a fresh pair. */
async function brokerStillServing(): Promise<void> {
  expect((await fetch(new URL('/healthz', server!.address.url))).status).toBe(200)
  const a = await connect()
  const b = await connect()
  a.send(offer(b.id))
  expect(await b.next('OFFER')).toMatchObject({ src: a.id })
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  await server?.close()
  server = undefined
})

describe('PeerJS broker against hostile clients', () => {
  const badFrames: [string, (dst: string) => unknown][] = [
    [
      'a deeply nested offer',
      (dst) => `{"type":"OFFER","dst":"${dst}","payload":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    ],
    ['an oversized offer', (dst) => offer(dst, { sdp: 'x'.repeat(60_000) })],
    ['invalid JSON', () => '{"type": "OFFER", '],
    ['an unknown type', (dst) => ({ type: 'TELEPORT', dst })],
    ['an offer without a payload', (dst) => ({ type: 'OFFER', dst })],
    ['a binary frame', () => Buffer.from([1, 2, 3])],
  ]
  for (const [what, frame] of badFrames) {
    it(`disconnects the sender of ${what}, never its destination`, async () => {
      await start()
      const attacker = await connect()
      const victim = await connect()
      const sent = frame(victim.id)
      if (Buffer.isBuffer(sent)) attacker.socket.send(sent, { binary: true })
      else attacker.send(sent)
      expect(await attacker.waitClosed()).toBe(1008)
      expect(attacker.received.find((m) => m.type === 'ERROR')).toBeDefined()
      // The victim stays connected and reachable.
      const friend = await connect()
      friend.send(offer(victim.id))
      expect(await victim.next('OFFER')).toMatchObject({ src: friend.id })
      expect(victim.closed).toBeUndefined()
      await brokerStillServing()
    })
  }

  it('refuses an ID without a proof of its key, or with another key', async () => {
    await start()
    const victim = await createTestIdentity()
    const squatter = await createTestIdentity()
    for (const token of [null, 'forged.token']) {
      const client = await BrokerTestClient.open(server!.address.url, {
        identity: victim,
        token,
      })
      clients.push(client)
      expect(await client.waitClosed()).toBe(1008)
      expect(await client.next('ERROR')).toBeDefined()
    }
    const stolen = await BrokerTestClient.open(server!.address.url, {
      identity: squatter,
      id: mainPeerJsId(victim.peerId),
    })
    clients.push(stolen)
    expect(await stolen.waitClosed()).toBe(1008)
    // The victim can still take its own ID.
    clients.push(await BrokerTestClient.connect(server!.address.url, victim))
  })

  it('answers an offer to an absent ID at once, and disconnects a flooder', async () => {
    await start()
    const flooder = await connect()
    flooder.send(offer('pp-nobodyhere'))
    expect(await flooder.next('EXPIRE')).toMatchObject({ src: 'pp-nobodyhere' })
    for (let i = 0; i < 1000; i++) flooder.send(offer(`pp-absent${i}`))
    expect(await flooder.waitClosed()).toBe(1008)
    await brokerStillServing()
  })

  it('lists one topic or one ID, never every client, and to no foreign origin', async () => {
    await start()
    const topic = 'listed' as Topic
    const identity = await createTestIdentity()
    const presenceId = `pp${topicHash(topic)}-${identity.peerId}`
    const present = await BrokerTestClient.open(server!.address.url, { identity, id: presenceId })
    clients.push(present)
    await present.next('OPEN')
    const other = await connect()
    const peers = (query: string, init?: RequestInit) =>
      fetch(new URL(`/peerjs/peerjs/peers${query}`, server!.address.url), init)

    expect((await peers('')).status).toBe(403)
    expect(await (await peers(`?prefix=pp${topicHash(topic)}-`)).json()).toEqual([presenceId])
    expect(await (await peers(`?id=${other.id}`)).json()).toEqual([other.id])
    expect(await (await peers('?id=pp-absent')).json()).toEqual([])
    const foreign = { headers: { Origin: 'https://evil.example' } }
    for (const response of [
      await peers(`?id=${other.id}`, foreign),
      await fetch(new URL('/peerjs', server!.address.url), foreign),
    ]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      expect(response.headers.get('x-powered-by')).toBeNull()
    }
  })

  it('writes a bounded number of log lines however many bad frames arrive', async () => {
    const lines: string[] = []
    const counting: Logger = {
      debug: () => {},
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    }
    await start({ logger: counting })
    for (let i = 0; i < 100; i++) {
      const client = await BrokerTestClient.open(server!.address.url, { token: null })
      clients.push(client)
      await client.waitClosed()
    }
    expect(lines.length).toBeLessThanOrEqual(61)
    await brokerStillServing()
  })

  it('disconnects each sender of fuzzed frames, and only it', async () => {
    await start()
    const victim = await connect()
    const types = ['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'HEARTBEAT', 'OPEN', 'ERROR']
    const frames = hostileFrames(3, 60, types, ['dst', 'payload', 'src', 'type']).map((frame) =>
      frame.replace('"dst":null', `"dst":"${victim.id}"`),
    )
    const fuzzers = await Promise.all(frames.map(() => connect()))
    frames.forEach((frame, i) => fuzzers[i]!.send(frame))
    // The frame checker is the oracle of which frames are bad (its cases are tested above); a
    // few generated frames are well-formed and must not cost their sender its connection.
    const bad = frames.map((frame) => !checkBrokerFrame(frame, DEFAULT_BROKER_LIMITS).ok)
    expect(bad.filter(Boolean).length).toBeGreaterThan(40)
    for (const [i, fuzzer] of fuzzers.entries()) {
      if (bad[i]) expect(await fuzzer.waitClosed().catch(() => frames[i])).toBe(1008)
    }
    await brokerStillServing()
    for (const [i, fuzzer] of fuzzers.entries()) if (!bad[i]) expect(fuzzer.closed).toBeUndefined()
    expect(victim.closed).toBeUndefined()
  })
})
