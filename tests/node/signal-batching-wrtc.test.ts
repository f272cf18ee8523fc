import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { asTopic } from '../../src/peer/ids.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import type { SignalCarrier } from '../../src/peer/signaling/signaling.ts'
import { createSimplePeerPipe } from '../../src/peer/transport/simple-peer-pipe.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { waitFor } from '../support/fake-mesh-network.ts'

// A dial over the relay sends its offer (or answer) with the ICE candidates gathered with it,
// so a crowd of devices coming online does not run into the relay's message limits.

const TOPIC = asTopic('batching-topic')
let server: SignalingServer | undefined
const closers: (() => void)[] = []

afterEach(async () => {
  for (const close of closers.splice(0)) close()
  await server?.close()
  server = undefined
})

/** A relay carrier that counts the frames it is asked to send. */
function counted(carrier: SignalCarrier): { carrier: SignalCarrier; sent: () => number } {
  let sent = 0
  const send = carrier.send.bind(carrier)
  carrier.send = (to, data) => {
    sent++
    send(to, data)
  }
  return { carrier, sent: () => sent }
}

async function device(url: string, signalBatchMs?: number) {
  const identity = await createTestIdentity()
  const relay = counted(createRelayCarrier({ url, identity, WebSocket }))
  let signals = 0
  const signaling = createCarrierSignaling(relay.carrier, {
    self: identity.peerId,
    iceServers: [],
    wrtc,
    log: () => {},
    ...(signalBatchMs === undefined ? {} : { signalBatchMs }),
    createPipe: (options) => {
      const pending = createSimplePeerPipe(options)
      pending.onSignal(() => signals++)
      return pending
    },
  })
  closers.push(() => signaling.close())
  signaling.join(TOPIC)
  return { id: identity.peerId, signaling, sent: relay.sent, signals: () => signals }
}

async function dial(signalBatchMs?: number) {
  server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
  const url = server.relayUrl
  const [ann, bob] = await Promise.all([device(url, signalBatchMs), device(url, signalBatchMs)])
  await waitFor('Ann to see Bob', () => ann.signaling.peers(TOPIC).includes(bob.id))
  const pipe = await ann.signaling.connect(bob.id)
  closers.push(() => pipe.close('test over'))
  // Late candidates may still be on their way once the pipe is open.
  await new Promise((resolve) => setTimeout(resolve, 300))
  return { ann, bob }
}

describe('signals of a dial go out in batches', () => {
  it('sends an offer and its candidates in fewer relay messages than signals', async () => {
    const { ann, bob } = await dial()
    const signals = ann.signals() + bob.signals()
    const sent = ann.sent() + bob.sent()
    expect(signals).toBeGreaterThan(2) // an offer, an answer and candidates
    expect(sent).toBeLessThan(signals)
    expect(sent).toBeLessThanOrEqual(6)
  }, 20_000)

  it('sends one message per signal when batching is off', async () => {
    const { ann, bob } = await dial(0)
    expect(ann.sent() + bob.sent()).toBe(ann.signals() + bob.signals())
  }, 20_000)
})
