import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { RelayTestClient } from './relay-test-client.ts'

let server: SignalingServer
const clients: RelayTestClient[] = []

async function connect(headers?: Record<string, string>): Promise<RelayTestClient> {
  const client = await RelayTestClient.connect(server.relayUrl, headers ? { headers } : {})
  clients.push(client)
  return client
}

beforeEach(async () => {
  server = await createSignalingServer({ logger: silentLogger, peerjs: false, trustProxy: true })
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  await server.close()
})

describe('relay topics', () => {
  it('lets two clients in a topic see each other and exchange a signal', async () => {
    const alice = await connect()
    const bob = await connect()

    alice.send({ type: 'join', topic: 'workplace-1' })
    expect((await alice.next('peers')).peers).toEqual([])

    bob.send({ type: 'join', topic: 'workplace-1' })
    expect(await bob.next('peers')).toEqual({
      type: 'peers',
      topic: 'workplace-1',
      peers: [alice.peerId],
    })
    expect(await alice.next('peer-joined')).toEqual({
      type: 'peer-joined',
      topic: 'workplace-1',
      peer: bob.peerId,
    })

    const offer = { type: 'offer', sdp: 'v=0 fake' }
    alice.send({ type: 'signal', to: bob.peerId, data: offer })
    expect(await bob.next('signal')).toEqual({ type: 'signal', from: alice.peerId, data: offer })
    bob.send({ type: 'signal', to: alice.peerId, data: { answer: true } })
    expect((await alice.next('signal')).data).toEqual({ answer: true })
  })

  it('announces departures, on leave and on disconnect', async () => {
    const [alice, bob, carol] = [await connect(), await connect(), await connect()]
    for (const client of [alice, bob, carol]) {
      client.send({ type: 'join', topic: 'room' })
      await client.next('peers')
    }
    bob.send({ type: 'leave', topic: 'room' })
    expect(await alice.next('peer-left')).toEqual({
      type: 'peer-left',
      topic: 'room',
      peer: bob.peerId,
    })
    expect((await carol.next('peer-left')).peer).toBe(bob.peerId)

    carol.close()
    expect((await alice.next('peer-left')).peer).toBe(carol.peerId)
  })

  it('refuses signals to peers outside the sender’s topics', async () => {
    const alice = await connect()
    const stranger = await connect()
    alice.send({ type: 'join', topic: 'a' })
    stranger.send({ type: 'join', topic: 'b' })
    await alice.next('peers')
    await stranger.next('peers')

    alice.send({ type: 'signal', to: stranger.peerId, data: 'hi' })
    const error = await alice.next('error')
    expect(error.code).toBe('unknown-peer')
    expect(error.ref).toBe(stranger.peerId)
    expect(stranger.received.filter((m) => m.type === 'signal')).toEqual([])
  })

  it('groups "nearby" clients by network address', async () => {
    const home1 = await connect({ 'X-Forwarded-For': '203.0.113.5' })
    const home2 = await connect({ 'X-Forwarded-For': '198.51.100.1, 203.0.113.5' })
    const office = await connect({ 'X-Forwarded-For': '198.51.100.7' })

    home1.send({ type: 'join', topic: 'nearby' })
    await home1.next('peers')
    office.send({ type: 'join', topic: 'nearby' })
    expect((await office.next('peers')).peers).toEqual([])
    home2.send({ type: 'join', topic: 'nearby' })
    expect(await home2.next('peers')).toEqual({
      type: 'peers',
      topic: 'nearby',
      peers: [home1.peerId],
    })
    expect((await home1.next('peer-joined')).peer).toBe(home2.peerId)

    // The office network hears nothing of the home network, and cannot signal into it.
    office.send({ type: 'signal', to: home1.peerId, data: 'hi' })
    expect((await office.next('error')).code).toBe('unknown-peer')
    expect(office.received.some((m) => m.type === 'peer-joined')).toBe(false)
  })

  it('answers a repeated join with the member list, without a second announcement', async () => {
    const alice = await connect()
    const bob = await connect()
    alice.send({ type: 'join', topic: 't' })
    await alice.next('peers')
    bob.send({ type: 'join', topic: 't' })
    await bob.next('peers')
    await alice.next('peer-joined')
    bob.send({ type: 'join', topic: 't' })
    expect((await bob.next('peers')).peers).toEqual([alice.peerId])
    alice.send({ type: 'ping' })
    await alice.next('pong')
    expect(alice.received.filter((m) => m.type === 'peer-joined')).toEqual([])
  })
})
