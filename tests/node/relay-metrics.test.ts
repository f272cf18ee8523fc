import { afterEach, beforeEach, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { randomPeerId, randomTopic } from '../contract/fixtures.ts'
import { until } from '../support/until.ts'
import { RelayTestClient } from './relay-test-client.ts'

let server: SignalingServer
const clients: RelayTestClient[] = []

beforeEach(async () => {
  server = await createSignalingServer({ logger: silentLogger, peerjs: false })
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  await server.close()
})

async function metrics(): Promise<string> {
  const response = await fetch(new URL('/metrics', server.address.url))
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

/** The value of one sample, e.g. `relay_topics` or `relay_violations_total{kind="bad-json"}`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

it('counts connections, topics, signals and violations, naming no peer, topic or address', async () => {
  const pending = await RelayTestClient.open(server.relayUrl)
  const alice = await RelayTestClient.connect(server.relayUrl)
  const bob = await RelayTestClient.connect(server.relayUrl)
  clients.push(pending, alice, bob)
  const topic = randomTopic()
  for (const client of [alice, bob]) {
    client.send({ type: 'join', topic })
    await client.next('peers')
  }
  alice.send({ type: 'signal', to: bob.peerId, data: { sdp: 'x' } })
  await bob.next('signal')
  alice.send({ type: 'signal', to: randomPeerId(), data: { sdp: 'x' } })
  await alice.next('error', (m) => m.code === 'unknown-peer')
  bob.send('not json')
  await bob.next('error', (m) => m.code === 'bad-json')

  const text = await metrics()
  expect(sample(text, 'relay_connections')).toBe(3)
  expect(sample(text, 'relay_connections_authenticated')).toBe(2)
  expect(sample(text, 'relay_topics')).toBe(1)
  expect(sample(text, 'relay_signals_forwarded_total{path="local"}')).toBe(1)
  expect(sample(text, 'relay_signals_dropped_total{reason="unknown_peer"}')).toBe(1)
  expect(sample(text, 'relay_violations_total{kind="bad-json"}')).toBe(1)
  expect(sample(text, 'relay_bus_up')).toBe(-1)
  expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0)
  for (const secret of [alice.peerId, bob.peerId, topic, '127.0.0.1']) {
    expect(text).not.toContain(secret)
  }

  bob.close()
  await until(
    async () => sample(await metrics(), 'relay_connections_authenticated') === 1,
    'the closed connection to leave the count',
  )
})

it('says at /healthz that it can serve', async () => {
  const response = await fetch(new URL('/healthz', server.address.url))
  expect(response.status).toBe(200)
  expect(await response.text()).toBe('ok')
})
