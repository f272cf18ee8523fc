import { WebSocket } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import {
  createFailoverCarrier,
  type FailoverCarrier,
} from '../../src/peer/signaling/failover-carrier.ts'
import {
  createRelayCarrier,
  relayEndpoint,
  type RelayCarrier,
} from '../../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { nextEvent, reachState, recordEvents } from './relay-carrier-helpers.ts'

const topic = asTopic('team')
const servers: SignalingServer[] = []
const closables: Array<RelayCarrier | FailoverCarrier> = []

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

function failover(urls: string[], identity: Identity): FailoverCarrier {
  const carrier = createFailoverCarrier({
    endpoints: urls.map((url) => relayEndpoint({ url, identity, WebSocket })),
    openTimeoutMs: 2000,
    backoff: { initialMs: 50, maxMs: 200 },
  })
  closables.push(carrier)
  return carrier
}

/** A plain relay client in the topic, to be seen by (and signalled from) the failover one. */
async function member(url: string): Promise<{ carrier: RelayCarrier; peerId: PeerId }> {
  const identity = await createTestIdentity()
  const carrier = createRelayCarrier({ url, identity, WebSocket })
  closables.push(carrier)
  carrier.join(topic)
  await reachState(carrier, 'open')
  return { carrier, peerId: identity.peerId }
}

afterEach(async () => {
  for (const carrier of closables.splice(0)) carrier.close()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('failover carrier', () => {
  it('skips an endpoint that is down and uses the next', async () => {
    const down = await deadUrl()
    const up = await startServer()
    const other = await member(up.relayUrl)
    const identity = await createTestIdentity()

    const carrier = failover([down, up.relayUrl], identity)
    expect(carrier.endpoint).toBe(`relay ${down}`)
    carrier.join(topic)
    const joined = await nextEvent(carrier, 'peer-joined')
    expect(carrier.state).toBe('open')
    expect(carrier.endpoint).toBe(`relay ${up.relayUrl}`)
    expect(carrier.peers(topic)).toEqual([joined.peer])

    const signal = nextEvent(other.carrier, 'signal')
    carrier.send(joined.peer, { hello: 'through the second relay' })
    expect(await signal).toEqual({
      from: identity.peerId,
      data: { hello: 'through the second relay' },
    })
  })

  it('moves to the next endpoint when the one in use drops, and re-joins there', async () => {
    const primary = await startServer()
    const backup = await startServer()
    const onPrimary = await member(primary.relayUrl)
    const onBackup = await member(backup.relayUrl)
    const carrier = failover([primary.relayUrl, backup.relayUrl], await createTestIdentity())
    carrier.join(topic)
    expect((await nextEvent(carrier, 'peer-joined')).peer).toBe(onPrimary.peerId)
    const record = recordEvents(carrier)

    const switched = nextEvent(carrier, 'peer-joined', (e) => e.peer === onBackup.peerId)
    await primary.close()
    await switched
    expect(carrier.endpoint).toBe(`relay ${backup.relayUrl}`)
    expect(carrier.state).toBe('open')
    expect(carrier.peers(topic)).toEqual([onBackup.peerId])
    const order = record.events.map((e) => e.event)
    expect(order).toContain('peer-left')
    expect(order.indexOf('peer-left')).toBeLessThan(order.lastIndexOf('peer-joined'))
    expect(record.events).toContainEqual({ event: 'state', value: 'connecting' })
  })

  it('keeps trying in rounds until an endpoint comes up', async () => {
    const carrier = failover([await deadUrl(), await deadUrl()], await createTestIdentity())
    const errors: string[] = []
    carrier.on('error', (e) => errors.push(e.message))
    await expect.poll(() => errors.length, { timeout: 3000 }).toBeGreaterThanOrEqual(4)
    expect(carrier.state).toBe('connecting')
    carrier.close()
    expect(carrier.state).toBe('closed')
  })
})
