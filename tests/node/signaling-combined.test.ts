import { describe, expect, it } from 'vitest'
import { stubPeerJsGlobals } from './peerjs-node-globals.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { createCombinedSignaling } from '../../src/peer/signaling/combined-signaling.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerConstructor,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { delay, randomTopic, until } from '../contract/fixtures.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { relaySignalingHarness } from './relay-signaling-harness.ts'

stubPeerJsGlobals()

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const loadPeer = async (): Promise<PeerConstructor> => (await import('peerjs')).Peer

// The app's default first contact: present on the relay and on the PeerJS broker at once.
describeSignalingContract(
  'the relay and the PeerJS broker combined',
  { presence: 'topic', absentPeerBoundMs: 7000, glare: 'one-pipe' },
  () => {
    let server: SignalingServer | undefined
    const start = async () => (server ??= await createSignalingServer({ port: 0, logger: quiet }))
    return relaySignalingHarness(
      async () => [(await start()).relayUrl],
      async () => {
        await server?.close()
        server = undefined
      },
      (relay, identity) =>
        createCombinedSignaling([
          relay,
          createPeerJsSignaling({
            self: identity.peerId,
            identity,
            server: peerJsServerFromUrl(new URL('peerjs', server!.address.url).href),
            iceServers: [],
            connectTimeoutMs: 3000,
            discoveryIntervalMs: 200,
            loadPeer,
            log: () => {},
          }),
        ]),
    )
  },
)

// Each read of the broker's peer lists is a request per topic: while a relay is open the
// broker member reads them seldom, and often again as soon as the relay is gone.
describe('the broker beside a relay', () => {
  it('reads its peer lists as often as discoveryIntervalMs says at each wait', async () => {
    const server = await createSignalingServer({ port: 0, logger: quiet })
    const identity = await createTestIdentity()
    let reads = 0
    let relayOpen = false
    const broker = createPeerJsSignaling({
      self: identity.peerId,
      identity,
      server: peerJsServerFromUrl(new URL('peerjs', server.address.url).href),
      iceServers: [],
      discoveryIntervalMs: () => (relayOpen ? 60_000 : 100),
      loadPeer,
      log: () => {},
      fetch: (input, init) => {
        if (String(input).includes('/peers?prefix=')) reads++
        return fetch(input, init)
      },
    })
    try {
      broker.join(randomTopic())
      await until(() => reads >= 3, 'the lists read every 100 ms while no relay is open')
      relayOpen = true
      broker.discoverNow() // the relay opened: one read now, then the long wait
      await delay(200)
      const afterOpen = reads
      await delay(500) // five reads at the 100 ms interval, none at the long one
      expect(reads).toBe(afterOpen)
      relayOpen = false
      broker.discoverNow() // the relay is gone: often again
      await until(() => reads >= afterOpen + 3, 'frequent reads again')
    } finally {
      broker.close()
      await server.close()
    }
  })
})
