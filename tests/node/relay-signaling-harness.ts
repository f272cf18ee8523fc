import wrtc from '@roamhq/wrtc'
import { expect } from 'vitest'
import { WebSocket } from 'ws'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier, type RelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import type { Signaling } from '../../src/peer/signaling/signaling.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { newSessionId } from '../../src/peer/signaling/signal-envelope.ts'
import type { SignalingHarness } from '../contract/signaling-contract.ts'
import { delay, randomTopic, testIdentity, until } from '../contract/fixtures.ts'

/**
 * The signaling contract's harness for the carrier connector over relays: adapters take the
 * relay URLs given by `relayUrls` in turn (one relay, or instances of one cluster). `wrap`
 * puts each in a larger signaling (the relay beside a broker); garbage still arrives by relay.
 */
export function relaySignalingHarness(
  relayUrls: () => Promise<string[]>,
  stopRelays: () => Promise<void>,
  wrap: (relay: Signaling, identity: Identity) => Signaling = (relay) => relay,
): SignalingHarness {
  const carriers: RelayCarrier[] = []
  const logs = new Map<string, string[]>()
  let turn = 0
  const carrier = async () => {
    const identity = await testIdentity()
    const urls = await relayUrls()
    const url = urls[turn++ % urls.length]!
    const made = createRelayCarrier({ url, identity, WebSocket })
    carriers.push(made)
    return { identity, carrier: made }
  }
  return {
    async create(count, options) {
      return Promise.all(
        Array.from({ length: count }, async () => {
          const { identity, carrier: made } = await carrier()
          const log: string[] = []
          logs.set(identity.peerId, log)
          const signaling = createCarrierSignaling(made, {
            self: identity.peerId,
            iceServers: [],
            wrtc,
            connectTimeoutMs: options?.connectTimeoutMs ?? 3000,
            log: (message) => log.push(message),
          })
          return { id: identity.peerId, signaling: wrap(signaling, identity) }
        }),
      )
    },
    async sendGarbage(target) {
      // A peer in the same topic sends signals the relay passes (any small JSON).
      const topic = randomTopic()
      target.signaling.join(topic)
      const { carrier: rogue } = await carrier()
      rogue.join(topic)
      await until(() => rogue.peers(topic).includes(target.id), 'the rogue to see its target')
      const sid = newSessionId()
      for (const data of [
        'text',
        42,
        { v: 9 },
        { v: 1, kind: 'rtc', sid: 'short', data: {} },
        { v: 1, kind: 'rtc', sid, data: { type: 'offer', sdp: 'v=0\r\nnonsense\r\n' } },
        { v: 1, kind: 'rtc', sid, data: { candidate: { candidate: 'bad', sdpMid: '0' } } },
        { v: 1, kind: 'bye', sid, reason: null },
      ]) {
        rogue.send(target.id, data)
      }
      await delay(300)
      const dropped = logs.get(target.id)?.filter((m) => m.startsWith('dropped a signal'))
      expect(dropped?.length).toBe(4)
      rogue.close()
      target.signaling.leave(topic)
    },
    async teardown() {
      for (const made of carriers.splice(0)) made.close()
      await stopRelays()
    },
  }
}
