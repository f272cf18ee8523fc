import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { hostileFrames } from './hostile/fuzz-frames.ts'
import {
  connectClient as connect,
  openClient,
  relay,
  relayClients as clients,
  startRelay as start,
  stopRelay,
} from './relay-server-harness.ts'
import { RelayTestClient, type ClientOptions } from './relay-test-client.ts'

/** Two clients in one topic. */
async function pair(topic: string): Promise<[RelayTestClient, RelayTestClient]> {
  const a = await connect()
  const b = await connect()
  a.send({ type: 'join', topic })
  await a.next('peers')
  b.send({ type: 'join', topic })
  await b.next('peers')
  return [a, b]
}

/** The server still answers HTTP and still forwards a signal between a fresh pair. */
async function stillServing(): Promise<void> {
  const health = await fetch(new URL('/healthz', relay().address.url))
  expect(health.status).toBe(200)
  const [a, b] = await pair(`bystanders-${Math.random().toString(36).slice(2)}`)
  a.send({ type: 'signal', to: b.peerId, data: { still: 'here' } })
  expect((await b.next('signal')).data).toEqual({ still: 'here' })
}

afterEach(stopRelay)

describe('relay against hostile payloads', () => {
  it('refuses a deeply nested signal without crashing, and its target sees nothing', async () => {
    await start()
    const [attacker, target] = await pair('nested')
    const depth = 4000
    const frame = `{"type":"signal","to":"${target.peerId}","data":${'['.repeat(depth)}${']'.repeat(depth)}}`
    attacker.send(frame)
    expect(await attacker.next('error')).toMatchObject({ code: 'too-deep', ref: 'signal' })
    expect(target.received.filter((m) => m.type === 'signal')).toEqual([])
    expect(target.closed).toBeUndefined()
    await stillServing()
  })

  it('survives a sweep of nesting depths around where JSON.stringify overflows', async () => {
    // Which depth overflows the stack depends on the stack in use: try each depth of a range.
    const lenient = { messagesPerSecond: 1e6, burst: 1e6, maxViolationsPerMinute: 1e6 }
    await start({ limits: lenient })
    const [attacker, target] = await pair('sweep')
    for (let depth = 3500; depth < 5500; depth++) {
      const data = `${'['.repeat(depth)}${']'.repeat(depth)}`
      attacker.send(`{"type":"signal","to":"${target.peerId}","data":${data}}`)
    }
    attacker.send({ type: 'ping' })
    await attacker.next('pong', undefined, 15_000)
    const codes = new Set(attacker.received.flatMap((m) => (m.type === 'error' ? [m.code] : [])))
    expect([...codes]).toEqual(['too-deep'])
    expect(target.received.filter((m) => m.type === 'signal')).toEqual([])
    await stillServing()
  })
})

describe('relay under fuzz', () => {
  const types = ['hello', 'join', 'leave', 'signal', 'ping', 'welcome']
  const fields = ['version', 'peerId', 'publicKey', 'signature', 'topic', 'to', 'data']

  it('answers every hostile frame, before and after authentication, with errors only', async () => {
    const lenient = { messagesPerSecond: 1e6, burst: 1e6, maxViolationsPerMinute: 1e6 }
    await start({ limits: lenient })
    const [member, bystander] = await pair('fuzz')
    const stranger = await openClient()
    for (const [client, seed] of [
      [member, 1],
      [stranger, 2],
    ] as const) {
      for (const frame of hostileFrames(seed, 400, types, fields)) client.send(frame)
      client.send({ type: 'ping' })
      await client.next('pong', undefined, 15_000)
    }
    // Nothing reached the bystander; the fuzzers got errors (and answers to what was valid).
    expect(bystander.received.filter((m) => m.type === 'signal')).toEqual([])
    const answers = new Set(['error', 'pong', 'peers', 'peer-joined', 'peer-left'])
    for (const client of [member, stranger]) {
      expect(client.received.filter((m) => !answers.has(m.type))).toEqual([])
      // Most hostile frames get an error; a repeated join is answered with peers once its
      // throttle allows (every 5 s), so on a slow machine a few errors become answers.
      expect(client.received.filter((m) => m.type === 'error').length).toBeGreaterThan(50)
      expect(client.received.filter((m) => answers.has(m.type)).length).toBeGreaterThan(100)
      expect(client.closed).toBeUndefined()
    }
    await stillServing()
  })
})

describe('relay against clients that do not read', () => {
  it('drops a socket that sends frames but never answers a ping', async () => {
    await start({ heartbeatMs: 100 })
    const zombie = await connect()
    zombie.playDead()
    const keepAlive = setInterval(() => zombie.send({ type: 'ping' }), 20)
    try {
      expect((await zombie.waitClosed(3000)).code).toBe(1006)
    } finally {
      clearInterval(keepAlive)
    }
    await stillServing()
  })

  it('drops signals past the outbound budget of a reader that reads nothing', async () => {
    const budget = 256 * 1024
    const generous = {
      recipientBytesPerSecond: 1e9,
      recipientBurstBytes: 1e9,
      messagesPerSecond: 1e6,
      burst: 1e6,
    }
    await start({ limits: { maxBufferedBytes: budget, ...generous } })
    const [sender, reader] = await pair('budget')
    reader.socket.pause()
    const frame = JSON.stringify({ type: 'signal', to: reader.peerId, data: 'x'.repeat(50_000) })
    // Far more than the budget plus what the kernel's socket buffers can absorb.
    for (let i = 0; i < 400; i++) sender.send(frame)
    expect(await sender.next('error', undefined, 10_000)).toMatchObject({
      code: 'busy',
      ref: reader.peerId,
    })
    await stillServing()
  })
})

describe('relay slots shared fairly between addresses', () => {
  const from = (address: string): ClientOptions => ({ headers: { 'X-Forwarded-For': address } })

  /** A raw socket's first frame: a challenge, or a refusal followed by a close. */
  async function firstFrame(address: string) {
    const socket = new WebSocket(relay().relayUrl, { headers: from(address).headers ?? {} })
    const closed = new Promise<number>((resolve) => socket.once('close', resolve))
    const frame = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no first frame for ${address}`)), 5000)
      socket.once('message', (data) => {
        clearTimeout(timer)
        resolve(JSON.parse(String(data)) as Record<string, unknown>)
      })
    })
    return { socket, frame, closed }
  }

  /** Connects clients from `address` until one is refused; returns the refusal. */
  async function floodUntilRefused(address: string, authenticate: boolean, most: number) {
    for (let i = 0; i < most; i++) {
      const { socket, frame, closed } = await firstFrame(address)
      if (frame.type === 'error') return { refusal: frame, closeCode: await closed }
      if (!authenticate) {
        sockets.push({ socket, closed })
        continue
      }
      socket.close()
      clients.push(await RelayTestClient.connect(relay().relayUrl, from(address)))
    }
    throw new Error(`${most} connections from ${address} were all accepted`)
  }

  const sockets: { socket: WebSocket; closed: Promise<number> }[] = []
  afterEach(() => {
    for (const { socket } of sockets.splice(0)) socket.terminate()
  })

  it('caps the connections of one address, and others still get in', async () => {
    await start({ trustProxy: true, limits: { maxConnectionsPerAddress: 20 } })
    const { refusal, closeCode } = await floodUntilRefused('203.0.113.7', true, 40)
    expect(refusal).toMatchObject({ type: 'error', code: 'address-limit' })
    expect(closeCode).toBe(1013)
    expect(clients.length).toBe(20)
    const other = await RelayTestClient.connect(relay().relayUrl, from('198.51.100.1'))
    clients.push(other)
    await stillServing()
  })

  it('counts an IPv6 /64 as one address', async () => {
    await start({ trustProxy: true, limits: { maxConnectionsPerAddress: 4 } })
    for (let i = 1; i <= 4; i++) {
      clients.push(await RelayTestClient.connect(relay().relayUrl, from(`2001:db8:1:2::${i}`)))
    }
    const refused = await firstFrame('2001:db8:1:2:ffff::9')
    expect(refused.frame).toMatchObject({ code: 'address-limit' })
    expect(await refused.closed).toBe(1013)
    const elsewhere = await RelayTestClient.connect(relay().relayUrl, from('2001:db8:1:3::1'))
    clients.push(elsewhere)
  })

  it('holds few unauthenticated sockets per address, and only briefly', async () => {
    await start({ trustProxy: true, limits: { maxPendingPerAddress: 5, authTimeoutMs: 500 } })
    const { refusal } = await floodUntilRefused('203.0.113.8', false, 20)
    expect(refusal).toMatchObject({ code: 'address-limit' })
    expect(refusal.message).toContain('unauthenticated')
    expect(sockets.length).toBe(5)
    for (const { closed } of sockets) expect(await closed).toBe(1008)
    // Once they timed out, the address may connect again, and others were never affected.
    clients.push(await RelayTestClient.connect(relay().relayUrl, from('203.0.113.8')))
    await stillServing()
  })
})
