import wrtc from '@roamhq/wrtc'
import { afterAll, vi } from 'vitest'
import { WebSocket } from 'ws'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { createCombinedSignaling } from '../../src/peer/signaling/combined-signaling.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerConstructor,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { relaySignalingHarness } from './relay-signaling-harness.ts'

/** Node's `ws` throws unhandled 'error' events; a browser's WebSocket only reports them. */
class QuietWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}

// peerjs reads WebRTC and WebSocket from globals when it is first imported.
vi.stubGlobal('RTCPeerConnection', wrtc.RTCPeerConnection)
vi.stubGlobal('RTCSessionDescription', wrtc.RTCSessionDescription)
vi.stubGlobal('RTCIceCandidate', wrtc.RTCIceCandidate)
vi.stubGlobal('WebSocket', QuietWebSocket)
afterAll(() => vi.unstubAllGlobals())

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
