import { afterEach, describe, expect, it } from 'vitest'
import { stubPeerJsGlobals } from './peerjs-node-globals.ts'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { topicHash } from '../../src/peer/signaling/peerjs-presence.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerJsSignaling,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import type { Topic } from '../../src/peer/ids.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { delay, randomTopic, until } from '../contract/fixtures.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { BrokerTestClient } from './hostile/broker-client.ts'

stubPeerJsGlobals()

// A device's broker ID reused while the broker still holds the old connection: a page reopened
// before the broker noticed the old one went, or a standby tab taking over the device's ID.

let server: SignalingServer | undefined
const clients: BrokerTestClient[] = []

const signalings: PeerJsSignaling[] = []

afterEach(async () => {
  for (const signaling of signalings.splice(0)) signaling.close()
  for (const client of clients.splice(0)) client.close()
  await server?.close()
  server = undefined
})

async function open(...args: Parameters<typeof BrokerTestClient.open>): Promise<BrokerTestClient> {
  const client = await BrokerTestClient.open(...args)
  clients.push(client)
  return client
}

const offer = (dst: string) => ({ type: 'OFFER', dst, payload: { sdp: { type: 'offer' } } })

describe('the broker and a reused ID', () => {
  for (const kind of ['main', 'presence'] as const) {
    it(`gives a proven ${kind} ID to the newer connection and tells the older one why`, async () => {
      server = await createSignalingServer({ logger: silentLogger })
      const url = server.address.url
      const identity = await createTestIdentity()
      const id =
        kind === 'main' ? undefined : `pp${topicHash('reused' as Topic)}-${identity.peerId}`
      const older = await open(url, { identity, ...(id ? { id } : {}) })
      await older.next('OPEN')
      const newer = await open(url, { identity, ...(id ? { id } : {}) })
      await newer.next('OPEN')
      expect(await older.waitClosed()).toBe(4001)
      expect(await older.next('ERROR')).toMatchObject({
        payload: { msg: expect.stringMatching(/another connection proved this ID/) },
      })
      // Offers to the ID reach the newer connection.
      const caller = await open(url)
      await caller.next('OPEN')
      caller.send(offer(newer.id))
      expect(await newer.next('OFFER')).toMatchObject({ src: caller.id })
      const listed = await fetch(new URL(`/peerjs/peerjs/peers?id=${newer.id}`, url))
      expect(await listed.json()).toEqual([newer.id])
    })
  }

  it('never lets an unproven client take a held ID', async () => {
    server = await createSignalingServer({ logger: silentLogger })
    const url = server.address.url
    const victim = await createTestIdentity()
    const holder = await open(url, { identity: victim })
    await holder.next('OPEN')
    const squatter = await open(url, { identity: victim, token: 'forged.token' })
    expect(await squatter.waitClosed()).toBe(1008)
    const thief = await open(url, { identity: await createTestIdentity(), id: holder.id })
    expect(await thief.waitClosed()).toBe(1008)
    const caller = await open(url)
    await caller.next('OPEN')
    caller.send(offer(holder.id))
    expect(await holder.next('OFFER')).toMatchObject({ src: caller.id })
    expect(holder.closed).toBeUndefined()
  })
})

describe('the PeerJS signaling of a device whose ID a newer connection took', () => {
  function start(identity: Identity, errors: string[]): PeerJsSignaling {
    const signaling = createPeerJsSignaling({
      self: identity.peerId,
      identity,
      server: peerJsServerFromUrl(new URL('peerjs', server!.address.url).href),
      iceServers: [],
      discoveryIntervalMs: 100,
      loadPeer: async () => (await import('peerjs')).Peer,
      log: () => {},
    })
    signaling.on('error', ({ message }) => errors.push(message))
    signalings.push(signaling)
    return signaling
  }

  it('opens at once for the newer one; the older one stops and does not take it back', async () => {
    server = await createSignalingServer({ logger: silentLogger })
    const identity = await createTestIdentity()
    const topic = randomTopic()
    const olderErrors: string[] = []
    const newerErrors: string[] = []
    const older = start(identity, olderErrors)
    older.join(topic)
    await until(() => older.state === 'open', 'the older tab to reach the broker')
    const newer = start(identity, newerErrors)
    newer.join(topic)
    await until(() => newer.state === 'open', 'the newer tab to reach the broker', 3000)
    await until(() => older.state === 'closed', 'the older tab to stop', 3000)
    expect(olderErrors).toEqual([expect.stringMatching(/another tab or page of this device/)])
    // Many discovery rounds later the newer one still holds the IDs, and hears others.
    const other = start(await createTestIdentity(), [])
    other.join(topic)
    await until(() => newer.peers(topic).length === 1, 'the newer tab to see another device')
    await delay(500)
    expect(newer.state).toBe('open')
    expect(newerErrors).toEqual([])
  })
})
