import { afterEach, describe, expect, it } from 'vitest'
import { createTestIdentity } from '../support/test-identity.ts'
import {
  connectClient as connect,
  openClient as open,
  relay,
  startRelay as start,
  stopRelay,
} from './relay-server-harness.ts'

/** Two well-behaved clients in one topic; resolves once they still exchange a signal. */
async function bystandersStillServed(topic = 'bystanders'): Promise<void> {
  const a = await connect()
  const b = await connect()
  a.send({ type: 'join', topic })
  await a.next('peers')
  b.send({ type: 'join', topic })
  await b.next('peers')
  a.send({ type: 'signal', to: b.peerId, data: { still: 'here' } })
  expect((await b.next('signal')).data).toEqual({ still: 'here' })
}

afterEach(stopRelay)

describe('relay against bad clients', () => {
  it('answers malformed JSON with "bad-json" and keeps serving', async () => {
    await start()
    const bad = await connect()
    bad.send('{"type": "join", ')
    expect((await bad.next('error')).code).toBe('bad-json')
    bad.send('[1, 2, 3]')
    expect((await bad.next('error')).code).toBe('bad-json')
    bad.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    expect((await bad.next('error')).code).toBe('bad-json')
    // The offender itself is still served after a few mistakes.
    bad.send({ type: 'ping' })
    await bad.next('pong')
    await bystandersStillServed()
  })

  it('answers unknown types and invalid fields clearly', async () => {
    await start()
    const bad = await connect()
    bad.send({ type: 'teleport', to: 'mars' })
    expect(await bad.next('error')).toMatchObject({ code: 'unknown-type', ref: 'teleport' })
    bad.send({ type: 'join', topic: 'spaces are not allowed' })
    expect(await bad.next('error')).toMatchObject({ code: 'bad-message', ref: 'join' })
    bad.send({ type: 'signal', to: 'not-a-peer-id', data: {} })
    expect(await bad.next('error')).toMatchObject({ code: 'bad-message', ref: 'signal' })
    await bystandersStillServed()
  })

  it('refuses oversized messages with "too-large"', async () => {
    await start({ limits: { maxMessageBytes: 4096 } })
    const bad = await connect()
    bad.send({ type: 'signal', to: bad.peerId, data: 'x'.repeat(5000) })
    const error = await bad.next('error')
    expect(error.code).toBe('too-large')
    expect(error.message).toContain('4096')
    expect(bad.closed).toBeUndefined()
    await bystandersStillServed()
  })

  it('rate-limits a flooding client, then disconnects it', async () => {
    await start({ limits: { messagesPerSecond: 10, burst: 10, maxViolationsPerMinute: 5 } })
    const flooder = await connect()
    for (let i = 0; i < 200; i++) flooder.send({ type: 'ping' })
    expect((await flooder.next('error')).code).toBe('rate-limited')
    const closed = await flooder.waitClosed()
    expect(closed.code).toBe(1008)
    const errors = flooder.received.filter((m) => m.type === 'error').map((m) => m.code)
    expect(errors).toContain('too-many-violations')
    // Errors are bounded: the flooder does not get one frame per message.
    expect(errors.length).toBeLessThan(10)
    await bystandersStillServed()
  })

  it('disconnects a client that keeps sending garbage', async () => {
    await start({ limits: { maxViolationsPerMinute: 3 } })
    const bad = await connect()
    for (let i = 0; i < 6; i++) bad.send('garbage')
    expect((await bad.waitClosed()).code).toBe(1008)
    await bystandersStillServed()
  })

  it('limits topics per connection', async () => {
    await start({ limits: { maxTopicsPerConnection: 2 } })
    const client = await connect()
    client.send({ type: 'join', topic: 'one' })
    client.send({ type: 'join', topic: 'two' })
    client.send({ type: 'join', topic: 'three' })
    expect(await client.next('error')).toMatchObject({ code: 'too-many-topics', ref: 'three' })
    client.send({ type: 'leave', topic: 'one' })
    client.send({ type: 'join', topic: 'three' })
    expect((await client.next('peers', (m) => m.topic === 'three')).peers).toEqual([])
  })

  it('drops a dead socket that stops answering pings, and tells its topics', async () => {
    await start({ heartbeatMs: 100 })
    const alive = await connect()
    const dead = await connect()
    alive.send({ type: 'join', topic: 'room' })
    await alive.next('peers')
    dead.send({ type: 'join', topic: 'room' })
    await dead.next('peers')
    dead.playDead()
    expect((await alive.next('peer-left', undefined, 3000)).peer).toBe(dead.peerId)
    expect((await dead.waitClosed()).code).toBe(1006)
    // The live one answered every ping and is still connected.
    alive.send({ type: 'ping' })
    await alive.next('pong')
  })

  it('refuses connections beyond maxConnections', async () => {
    await start({ limits: { maxConnections: 1 } })
    await connect()
    const socket = new (await import('ws')).WebSocket(relay().relayUrl)
    const frame = await new Promise<string>((resolve) =>
      socket.once('message', (data) => resolve(String(data))),
    )
    expect(JSON.parse(frame)).toMatchObject({ type: 'error', code: 'server-full' })
    socket.close()
  })
})

describe('relay authentication', () => {
  it('requires hello before anything else', async () => {
    await start()
    const client = await open()
    client.send({ type: 'join', topic: 'room' })
    expect(await client.next('error')).toMatchObject({ code: 'not-authenticated', ref: 'join' })
  })

  it('refuses a signature that does not verify', async () => {
    await start()
    const client = await open()
    const stranger = await createTestIdentity()
    const forged = await stranger.sign(new TextEncoder().encode('anything'))
    await client.hello({ signature: Buffer.from(forged).toString('base64') })
    expect((await client.next('error')).code).toBe('bad-auth')
    expect((await client.waitClosed()).code).toBe(1008)
  })

  it('refuses a peer ID that is not derived from the key', async () => {
    await start()
    const victim = await createTestIdentity()
    const client = await open()
    await client.hello({ peerId: victim.peerId })
    expect((await client.next('error')).code).toBe('bad-auth')
    expect(client.received.some((m) => m.type === 'welcome')).toBe(false)
  })

  it('refuses a signature over another challenge', async () => {
    await start()
    const client = await open()
    client.nonce = Buffer.alloc(32, 7).toString('base64')
    await client.hello()
    expect((await client.next('error')).code).toBe('bad-auth')
  })

  it('refuses an unknown protocol version', async () => {
    await start()
    const client = await open()
    await client.hello({ version: 99 })
    expect((await client.next('error')).code).toBe('bad-version')
  })

  it('closes connections that never authenticate', async () => {
    await start({ limits: { authTimeoutMs: 100 } })
    const client = await open()
    expect((await client.next('error')).code).toBe('auth-timeout')
    await client.waitClosed()
  })

  it('lets a new connection with the key replace the old one', async () => {
    await start()
    const identity = await createTestIdentity()
    const watcher = await connect()
    const first = await connect({ identity })
    watcher.send({ type: 'join', topic: 'room' })
    await watcher.next('peers')
    first.send({ type: 'join', topic: 'room' })
    await first.next('peers')
    await watcher.next('peer-joined')

    const second = await connect({ identity })
    expect((await first.next('error')).code).toBe('replaced')
    await first.waitClosed()
    expect((await watcher.next('peer-left')).peer).toBe(identity.peerId)

    second.send({ type: 'join', topic: 'room' })
    expect((await second.next('peers')).peers).toEqual([watcher.peerId])
    watcher.send({ type: 'signal', to: identity.peerId, data: 1 })
    expect((await second.next('signal')).data).toBe(1)
  })
})
