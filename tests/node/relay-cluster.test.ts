/**
 * Two relay instances, each in a process of its own, sharing topics through a real
 * redis-server: clients on different instances meet, signal each other, survive Redis going
 * away and coming back, and carry on elsewhere when an instance is killed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Topic } from '../../src/peer/ids.ts'
import { NEARBY_TOPIC } from '../../src/peer/signaling/relay-protocol.ts'
import { inboxTopic } from '../../src/direct/peer-reach.ts'
import { randomTopic } from '../contract/fixtures.ts'
import { ensureRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.ts'
import { until } from '../support/until.ts'
import { startServerProcess, type ServerProcess } from './hostile/server-process.ts'
import { RelayTestClient } from './relay-test-client.ts'

const binary = ensureRedisServer()

describe.skipIf(!binary)('relay instances sharing topics through Redis', () => {
  let redis: RedisServer
  let one: ServerProcess
  let two: ServerProcess
  const clients: RelayTestClient[] = []

  beforeAll(async () => {
    redis = await startRedisServer(binary!)
    const options = { redisUrl: redis.url, peerjs: false }
    ;[one, two] = await Promise.all([startServerProcess(options), startServerProcess(options)])
  }, 60_000)

  afterEach(() => {
    for (const client of clients.splice(0)) client.close()
  })

  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()])
    await redis?.dispose()
  })

  async function connect(server: ServerProcess, from?: RelayTestClient): Promise<RelayTestClient> {
    const options = from ? { identity: from.identity } : {}
    const client = await RelayTestClient.connect(server.relayUrl, options)
    clients.push(client)
    return client
  }

  /** Joins `topic` and answers the peer list the relay sent back. */
  async function join(client: RelayTestClient, topic: Topic): Promise<string[]> {
    client.send({ type: 'join', topic })
    return (await client.next('peers', (m) => m.topic === topic)).peers
  }

  async function health(server: ServerProcess): Promise<string> {
    return (await fetch(new URL('/healthz', server.url))).text()
  }

  it('lets clients of two instances meet in a topic and exchange signals', async () => {
    const [alice, bob] = await Promise.all([connect(one), connect(two)])
    const topic = randomTopic()
    expect(await join(alice, topic)).toEqual([])
    expect(await join(bob, topic)).toEqual([alice.peerId])
    await alice.next('peer-joined', (m) => m.topic === topic && m.peer === bob.peerId)

    alice.send({ type: 'signal', to: bob.peerId, data: { sdp: 'offer' } })
    const offer = await bob.next('signal', (m) => m.from === alice.peerId)
    expect(offer.data).toEqual({ sdp: 'offer' })
    bob.send({ type: 'signal', to: alice.peerId, data: { sdp: 'answer' } })
    expect((await alice.next('signal', (m) => m.from === bob.peerId)).data).toEqual({
      sdp: 'answer',
    })

    bob.send({ type: 'leave', topic })
    await alice.next('peer-left', (m) => m.topic === topic && m.peer === bob.peerId)
    // No longer sharing a topic: the other instance refuses, and the sender hears of it.
    alice.send({ type: 'signal', to: bob.peerId, data: { sdp: 'late' } })
    const refused = await alice.next('error', (m) => m.ref === bob.peerId)
    expect(refused.code).toBe('unknown-peer')
  })

  it("reaches a device's dm inbox on another instance, and groups nearby devices", async () => {
    const [alice, bob] = await Promise.all([connect(one), connect(two)])
    const inbox = inboxTopic(alice.peerId)
    await join(alice, inbox)
    expect(await join(bob, inbox)).toEqual([alice.peerId])
    // Both come from loopback: one nearby group whichever instance they reach.
    await join(alice, NEARBY_TOPIC)
    expect(await join(bob, NEARBY_TOPIC)).toContain(alice.peerId)
    await alice.next('peer-joined', (m) => m.topic === NEARBY_TOPIC && m.peer === bob.peerId)
  })

  it('replaces a connection when the same peer proves its key on the other instance', async () => {
    const first = await connect(one)
    const topic = randomTopic()
    await join(first, topic)
    const second = await connect(two, first)
    expect((await first.waitClosed()).code).toBe(4001)
    const watcher = await connect(one)
    expect(await join(watcher, topic)).toEqual([])
    expect(await join(second, topic)).toEqual([watcher.peerId])
  })

  it('reports its state in /metrics without naming peers or addresses', async () => {
    const [alice, bob] = await Promise.all([connect(one), connect(two)])
    const topic = randomTopic()
    await join(alice, topic)
    await join(bob, topic)
    alice.send({ type: 'signal', to: bob.peerId, data: { n: 1 } })
    await bob.next('signal')
    const metrics = await until(async () => {
      const text = await (await fetch(new URL('/metrics', one.url))).text()
      return /relay_signals_forwarded_total\{path="to_instance"\} [1-9]/.test(text) && text
    }, 'the forwarded signal in /metrics')
    expect(metrics).toMatch(/^relay_connections_authenticated [1-9]/m)
    expect(metrics).toMatch(/^relay_bus_up 1$/m)
    expect(metrics).toMatch(/^relay_topics [1-9]/m)
    expect(metrics).toMatch(/^process_resident_memory_bytes \d/m)
    for (const secret of [alice.peerId, bob.peerId, topic, '127.0.0.1']) {
      expect(metrics).not.toContain(secret)
    }
    expect(await health(one)).toBe('ok')
  })

  it('keeps serving its own clients while Redis is down, and shares again once it is back', async () => {
    const [alice, bob] = await Promise.all([connect(one), connect(two)])
    const topic = randomTopic()
    await join(alice, topic)
    await join(bob, topic)

    await redis.stop()
    await until(async () => (await health(one)).startsWith('degraded'), 'one to say degraded')
    // Its own clients still meet and signal.
    const carol = await connect(one)
    expect(await join(carol, topic)).toEqual([alice.peerId])
    carol.send({ type: 'signal', to: alice.peerId, data: { during: 'outage' } })
    await alice.next('signal', (m) => m.from === carol.peerId)

    await redis.start()
    await until(async () => (await health(one)) === 'ok', 'one to be healthy again', 10_000)
    await until(async () => (await health(two)) === 'ok', 'two to be healthy again', 10_000)
    // The restarted Redis is empty: both instances announced their members again. Bob hears of
    // Carol either from one's announcement or, when two resubscribed after it, from two's refresh.
    await bob.learnsOf(topic, carol.peerId, 10_000)
    const dave = await connect(two)
    const peers = await join(dave, topic)
    expect(new Set(peers)).toEqual(new Set([alice.peerId, bob.peerId, carol.peerId]))
    dave.send({ type: 'signal', to: carol.peerId, data: { after: 'outage' } })
    await carol.next('signal', (m) => m.from === dave.peerId)
  }, 30_000)

  it('lets the clients of a killed instance carry on through the other', async () => {
    const [alice, bob] = await Promise.all([connect(one), connect(two)])
    const topic = randomTopic()
    await join(alice, topic)
    await join(bob, topic)

    await two.kill()
    await bob.waitClosed()
    // Bob fails over to the remaining instance with the same key.
    const again = await connect(one, bob)
    expect(await join(again, topic)).toEqual([alice.peerId])
    await alice.next('peer-joined', (m) => m.topic === topic && m.peer === bob.peerId)
    again.send({ type: 'signal', to: alice.peerId, data: { from: 'failover' } })
    await alice.next('signal', (m) => m.from === bob.peerId)
  })
})
