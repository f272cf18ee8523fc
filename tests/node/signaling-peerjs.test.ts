import type { Peer } from 'peerjs'
import { expect } from 'vitest'
import { stubPeerJsGlobals } from './peerjs-node-globals.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { brokerIdProof } from '../../src/peer/signaling/peerjs-id-proof.ts'
import { mainPeerJsId, topicHash } from '../../src/peer/signaling/peerjs-presence.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerConstructor,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import { describeSignalingContract } from '../contract/signaling-contract.ts'
import { delay, randomTopic, until } from '../contract/fixtures.ts'
import { createTestIdentity } from '../support/test-identity.ts'

stubPeerJsGlobals()

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
    /** A bare broker client, as anyone on the broker could run: it proves its ID, or not. */
    const rogue = async (id: string, token?: string) => {
      const Peer = await loadPeer()
      const options = { ...(await broker()), config: { iceServers: [] }, debug: 0 }
      const client = new Peer(id, token === undefined ? options : { ...options, token })
      rogues.push(client)
      return client
    }
    const opened = (client: Peer) =>
      new Promise<Peer>((resolve, reject) => {
        client.on('open', () => resolve(client))
        client.on('error', (error) => reject(new Error(`a rogue did not open: ${error.message}`)))
      })
    const refused = (client: Peer) =>
      new Promise<string>((resolve, reject) => {
        client.on('open', () => reject(new Error('the broker let an unproven ID in')))
        client.on('error', (error) => resolve(error.message))
      })
    return {
      async create(count) {
        const server = await broker()
        const identities = await Promise.all(Array.from({ length: count }, createTestIdentity))
        return identities.map((identity) => {
          const id = identity.peerId
          const log: string[] = []
          logs.set(id, log)
          const signaling = createPeerJsSignaling({
            self: id,
            identity,
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
        // IDs that name no valid peer, or another's, cannot be taken on the broker.
        const { host } = await broker()
        const stranger = await createTestIdentity()
        const token = await brokerIdProof(stranger, host)
        await refused(await rogue(`pp${topicHash(topic)}-notapeer`, token))
        await refused(await rogue(`pp${topicHash(topic)}-${target.id}x`, token))
        await refused(await rogue(`pp${topicHash(topic)}-${target.id}`, token))
        await refused(await rogue(`pp${topicHash(topic)}-${stranger.peerId}`))
        // A proven client that dials from an ID that is not a main ID, or not as a pipe.
        const elsewhere = `pp${topicHash(randomTopic())}-${stranger.peerId}`
        const dialer = await opened(await rogue(elsewhere, token))
        dialer.connect(mainPeerJsId(target.id), { serialization: 'raw', reliable: true })
        const impostor = await opened(await rogue(mainPeerJsId(stranger.peerId), token))
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
