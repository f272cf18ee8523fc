import { WebSocket } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { asTopic } from '../../src/peer/ids.ts'
import { createRelayCarrier, type RelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { nextEvent, reachState, recordEvents } from './relay-carrier-helpers.ts'

// A device that has many signals to send at once (a crowd coming online, each dial's offer and
// candidates) stays within the relay's rate limit by itself: the excess waits, in order,
// instead of drawing "rate-limited" errors and a forced disconnect.

const topic = asTopic('pacing-topic')
let server: SignalingServer | undefined
const carriers: RelayCarrier[] = []

afterEach(async () => {
  for (const carrier of carriers.splice(0)) carrier.close()
  await server?.close()
})

async function device(url: string) {
  const identity = await createTestIdentity()
  const carrier = createRelayCarrier({ url, identity, WebSocket })
  carriers.push(carrier)
  carrier.join(topic)
  await reachState(carrier, 'open')
  return { carrier, id: identity.peerId }
}

describe('relay carrier pacing', () => {
  it('delivers a burst far over the limit, in order, with no error and no disconnect', async () => {
    server = await createSignalingServer({
      port: 0,
      peerjs: false,
      logger: silentLogger,
      limits: { messagesPerSecond: 40, burst: 10, maxViolationsPerMinute: 3 },
    })
    const { carrier: ann } = await device(server.relayUrl)
    const seen = nextEvent(ann, 'peer-joined')
    const { carrier: bob, id: bobId } = await device(server.relayUrl)
    await seen
    const annEvents = recordEvents(ann, ['error', 'state'])
    const received: number[] = []
    bob.on('signal', ({ data }) => received.push((data as { n: number }).n))

    const count = 60 // six times the burst: about 1.5 s at the paced rate
    for (let n = 0; n < count; n++) ann.send(bobId, { n })
    const deadline = Date.now() + 10_000
    while (received.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(received).toEqual(Array.from({ length: count }, (_, n) => n))
    expect(annEvents.events).toEqual([])
    expect(ann.state).toBe('open')
  }, 20_000)
})
