import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import {
  createFailoverSignaling,
  type FailoverSignaling,
} from '../../src/peer/signaling/failover-signaling.ts'
import { createRelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import { relayEndpoint } from '../../src/peer/signaling/relay-endpoint.ts'
import type { Signaling } from '../../src/peer/signaling/signaling.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { nextEvent, reachState, recordEvents } from './relay-carrier-helpers.ts'

// The app's first contact: relays tried in order by a failover signaling (src/app/peer-session.ts).

const topic = asTopic('team')
const servers: SignalingServer[] = []
const closables: Signaling[] = []

async function startServer(): Promise<SignalingServer> {
  const server = await createSignalingServer({ logger: silentLogger, peerjs: false })
  servers.push(server)
  return server
}

/** A URL where nothing listens: a server's, after it is closed. */
async function deadUrl(): Promise<string> {
  const server = await createSignalingServer({ logger: silentLogger, peerjs: false })
  await server.close()
  return server.relayUrl
}

const signalingOptions = (identity: Identity) => ({
  self: identity.peerId,
  iceServers: [],
  wrtc,
  connectTimeoutMs: 5000,
})

function failover(urls: string[], identity: Identity): FailoverSignaling {
  const signaling = createFailoverSignaling({
    endpoints: urls.map((url) =>
      relayEndpoint({ url, identity, WebSocket }, signalingOptions(identity)),
    ),
    openTimeoutMs: 2000,
    backoff: { initialMs: 50, maxMs: 200 },
  })
  closables.push(signaling)
  return signaling
}

/** A member on one relay only, in the topic, to be seen by (and reached from) the failover. */
async function member(url: string): Promise<{ signaling: Signaling; peerId: PeerId }> {
  const identity = await createTestIdentity()
  const carrier = createRelayCarrier({ url, identity, WebSocket })
  const signaling = createCarrierSignaling(carrier, signalingOptions(identity))
  closables.push(signaling)
  signaling.join(topic)
  await reachState(carrier, 'open')
  return { signaling, peerId: identity.peerId }
}

afterEach(async () => {
  for (const signaling of closables.splice(0)) signaling.close()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('failover over relays', () => {
  it('skips a relay that is down and connects through the next', async () => {
    const down = await deadUrl()
    const up = await startServer()
    const other = await member(up.relayUrl)
    const identity = await createTestIdentity()

    const signaling = failover([down, up.relayUrl], identity)
    expect(signaling.endpoint).toBe(`relay ${down}`)
    signaling.join(topic)
    const joined = await nextEvent(signaling, 'peer-joined')
    expect(signaling.state).toBe('open')
    expect(signaling.endpoint).toBe(`relay ${up.relayUrl}`)
    expect(signaling.peers(topic)).toEqual([other.peerId])

    const incoming = nextEvent(other.signaling, 'pipe')
    const pipe = await signaling.connect(joined.peer)
    expect((await incoming).peer).toBe(identity.peerId)
    pipe.close()
  })

  it('moves to the next relay when the one in use drops, and re-joins there', async () => {
    const primary = await startServer()
    const backup = await startServer()
    const onPrimary = await member(primary.relayUrl)
    const onBackup = await member(backup.relayUrl)
    const signaling = failover([primary.relayUrl, backup.relayUrl], await createTestIdentity())
    signaling.join(topic)
    expect((await nextEvent(signaling, 'peer-joined')).peer).toBe(onPrimary.peerId)
    const record = recordEvents(signaling, ['state', 'peer-joined', 'peer-left'])

    const switched = nextEvent(signaling, 'peer-joined', (e) => e.peer === onBackup.peerId)
    await primary.close()
    await switched
    expect(signaling.endpoint).toBe(`relay ${backup.relayUrl}`)
    expect(signaling.state).toBe('open')
    expect(signaling.peers(topic)).toEqual([onBackup.peerId])
    const order = record.events.map((e) => e.event)
    expect(order).toContain('peer-left')
    expect(order.indexOf('peer-left')).toBeLessThan(order.lastIndexOf('peer-joined'))
    expect(record.events).toContainEqual({ event: 'state', value: 'connecting' })
  })

  it('keeps trying in rounds until a relay comes up', async () => {
    const signaling = failover([await deadUrl(), await deadUrl()], await createTestIdentity())
    const errors: string[] = []
    signaling.on('error', (e) => errors.push(e.message))
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThanOrEqual(4)
    expect(signaling.state).toBe('connecting')
    signaling.close()
    expect(signaling.state).toBe('closed')
  })
})
