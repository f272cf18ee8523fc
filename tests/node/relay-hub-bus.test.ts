/**
 * Two relay servers in this process joined by the in-process bus: the hub's routing between
 * instances, without Redis (relay-cluster.test.ts runs the same through a real Redis).
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { MemoryBusNetwork } from '../../signaling/memory-bus.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { randomTopic } from '../contract/fixtures.ts'
import { RelayTestClient } from './relay-test-client.ts'

let servers: SignalingServer[] = []
const clients: RelayTestClient[] = []

beforeEach(async () => {
  const network = new MemoryBusNetwork()
  const start = (): Promise<SignalingServer> =>
    createSignalingServer({ logger: silentLogger, peerjs: false, bus: network.bus() })
  servers = await Promise.all([start(), start()])
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  await Promise.all(servers.map((server) => server.close()))
})

async function connect(index: 0 | 1, from?: RelayTestClient): Promise<RelayTestClient> {
  const url = servers[index]!.relayUrl
  const client = await RelayTestClient.connect(url, from ? { identity: from.identity } : {})
  clients.push(client)
  return client
}

it('routes presence and signals between instances, and refuses for the other one', async () => {
  const [alice, bob] = [await connect(0), await connect(1)]
  const topic = randomTopic()
  alice.send({ type: 'join', topic })
  expect((await alice.next('peers')).peers).toEqual([])
  bob.send({ type: 'join', topic })
  expect((await bob.next('peers')).peers).toEqual([alice.peerId])
  await alice.next('peer-joined', (m) => m.peer === bob.peerId)

  alice.send({ type: 'signal', to: bob.peerId, data: { n: 1 } })
  expect(await bob.next('signal')).toEqual({ type: 'signal', from: alice.peerId, data: { n: 1 } })

  // Bob is held by the other instance but shares no topic with Carol: refused over there.
  const carol = await connect(0)
  carol.send({ type: 'join', topic: randomTopic() })
  await carol.next('peers')
  carol.send({ type: 'signal', to: bob.peerId, data: { n: 2 } })
  expect((await carol.next('error', (m) => m.ref === bob.peerId)).code).toBe('unknown-peer')

  bob.close()
  await alice.next('peer-left', (m) => m.peer === bob.peerId)
})

it('closes the older connection when the peer proves its key on the other instance', async () => {
  const first = await connect(0)
  const topic = randomTopic()
  first.send({ type: 'join', topic })
  await first.next('peers')
  const second = await connect(1, first)
  expect(await first.waitClosed()).toEqual({ code: 4001, reason: 'replaced' })
  second.send({ type: 'join', topic })
  expect((await second.next('peers')).peers).toEqual([])
})
