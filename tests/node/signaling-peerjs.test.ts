import wrtc from '@roamhq/wrtc'
import type { Peer } from 'peerjs'
import { afterAll, expect, vi } from 'vitest'
import { WebSocket } from 'ws'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { mainPeerJsId, topicHash } from '../../src/peer/signaling/peerjs-presence.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerConstructor,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { delay, randomPeerId, randomTopic, until } from '../contract/fixtures.ts'

/** Node's `ws` throws unhandled 'error' events; a browser's WebSocket only reports them. */
class QuietWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}

// peerjs 1.5 reads WebRTC and WebSocket from globals when it is first imported (lazily, by the
// adapter); in Node they come from @roamhq/wrtc and ws.
vi.stubGlobal('RTCPeerConnection', wrtc.RTCPeerConnection)
vi.stubGlobal('RTCSessionDescription', wrtc.RTCSessionDescription)
vi.stubGlobal('RTCIceCandidate', wrtc.RTCIceCandidate)
vi.stubGlobal('WebSocket', QuietWebSocket)
afterAll(() => vi.unstubAllGlobals())

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const loadPeer = async (): Promise<PeerConstructor> => (await import('peerjs')).Peer

describeSignalingContract(
  'PeerJS broker (embedded server)',
  { presence: 'topic', absentPeerBoundMs: 2000, glare: 'two-pipes' },
  () => {
    let server: SignalingServer | undefined
    const rogues: Peer[] = []
    const logs = new Map<PeerId, string[]>()
    const broker = async () => {
      server ??= await createSignalingServer({ port: 0, logger: quiet })
      return peerJsServerFromUrl(new URL('peerjs', server.address.url).href)
    }
    /** A bare broker client, as anyone on the broker could run. */
    const rogue = async (id: string) => {
      const Peer = await loadPeer()
      const client = new Peer(id, { ...(await broker()), config: { iceServers: [] }, debug: 0 })
      rogues.push(client)
      await new Promise((resolve) => client.on('open', resolve))
      return client
    }
    return {
      async create(count) {
        const server = await broker()
        return Array.from({ length: count }, () => {
          const id = randomPeerId()
          const log: string[] = []
          logs.set(id, log)
          const signaling = createPeerJsSignaling({
            self: id,
            server,
            iceServers: [],
            connectTimeoutMs: 5000,
            discoveryIntervalMs: 200,
            loadPeer,
            log: (message) => log.push(message),
          })
          return { id, signaling }
        })
      },
      async sendGarbage(target) {
        await until(() => target.signaling.state === 'open', 'the target to reach the broker')
        const topic = randomTopic()
        target.signaling.join(topic)
        // IDs in the topic's namespace that name no valid peer must not show up as peers.
        await rogue(`pp${topicHash(topic)}-notapeer`)
        await rogue(`pp${topicHash(topic)}-${target.id}x`)
        const dialer = await rogue(`xx-${randomPeerId()}`)
        dialer.connect(mainPeerJsId(target.id), { serialization: 'raw', reliable: true })
        const impostor = await rogue(mainPeerJsId(randomPeerId()))
        impostor.connect(mainPeerJsId(target.id), { serialization: 'json', reliable: true })
        const refusals = () => logs.get(target.id)?.filter((m) => m.startsWith('refused')) ?? []
        await until(() => refusals().length === 2, 'both connections to be refused')
        await delay(500) // several discovery rounds
        expect(target.signaling.peers(topic)).toEqual([])
        target.signaling.leave(topic)
      },
      async teardown() {
        for (const client of rogues.splice(0)) client.destroy()
        await server?.close()
      },
    }
  },
)
