import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../src/peer/mesh/mesh.ts'
import { createPresence, type Presence } from '../../src/peer/mesh/presence.ts'
import { syncerPresence, type SyncerView } from '../../src/peer/mesh/syncer.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier, type RelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import type { SignalCarrier } from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { waitFor } from '../support/fake-mesh-network.ts'

const GROUP = 'wrtc-group'
const TOPIC = asTopic('wrtc-topic')

interface Peer {
  identity: Identity
  relay: RelayCarrier
  mesh: Mesh
  presence: Presence
  /** Presence with the Syncer rule, as the app reads it. */
  syncer: SyncerView
  /** Pipes under this peer's links, so a test can cut them as a closing page would. */
  pipes: DataPipe[]
  /** Connections signalled over the mesh that opened. */
  meshConnects: number
}

/** Log lines are kept, not printed: dials that lose a race are normal here. */
const logs: string[] = []
const quiet = (line: string) => void logs.push(line)

let server: SignalingServer | undefined
const peers: Peer[] = []

afterAll(async () => {
  for (const peer of peers) {
    peer.mesh.close()
    peer.relay.close()
  }
  await server?.close()
})

function startPeer(identity: Identity, url: string, group: readonly PeerId[]): Peer {
  const self = identity.peerId
  const relay = createRelayCarrier({ url, identity, WebSocket, reconnect: false })
  const signalingOptions = {
    self,
    iceServers: [],
    wrtc,
    connectTimeoutMs: 5000,
    log: (m: string) => console.info('sig', self.slice(0, 4), m),
  }
  const peer: Partial<Peer> & { pipes: DataPipe[]; meshConnects: number } = {
    identity,
    relay,
    pipes: [],
    meshConnects: 0,
  }
  const mesh = createMesh({
    identity,
    signaling: createCarrierSignaling(relay, signalingOptions),
    createLink: (args) => {
      peer.pipes.push(args.pipe)
      return createLink({ ...args, options: { log: quiet } })
    },
    createMeshSignaling: (carrier: SignalCarrier) => {
      const signaling = createCarrierSignaling(carrier, signalingOptions)
      const connect = signaling.connect.bind(signaling)
      signaling.connect = async (to, options) => {
        const pipe = await connect(to, options)
        peer.meshConnects++
        return pipe
      }
      return signaling
    },
    options: { dialTimeoutMs: 8000, log: quiet },
  })
  const presence = createPresence({ mesh, options: { log: quiet } })
  Object.assign(peer, { mesh, presence, syncer: syncerPresence(identity.peerId, presence) })
  mesh.join(TOPIC)
  mesh.setGroup(GROUP, group)
  return peer as Peer
}

const fullMesh = (among: readonly Peer[]) =>
  among.every((peer) =>
    among.every((other) => other === peer || peer.mesh.linkTo(other.identity.peerId)),
  )

describe('mesh over WebRTC (@roamhq/wrtc) and the relay', () => {
  it('forms a full mesh through the relay, re-links through the mesh without it, and fails over the Syncer within 3 s', async () => {
    server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
    const identities = await Promise.all(Array.from({ length: 5 }, createTestIdentity))
    identities.sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
    const ids = identities.map((identity) => identity.peerId)
    const startedAt = Date.now()
    for (const identity of identities) peers.push(startPeer(identity, server.relayUrl, ids))

    await waitFor('a full mesh through the relay', () => fullMesh(peers), 30_000)
    const meshMs = Date.now() - startedAt
    await waitFor('everyone online everywhere', () =>
      peers.every((peer) => peer.presence.online(GROUP).length === 5),
    )

    await server.close()
    server = undefined
    await waitFor('relay gone', () => peers.every((peer) => peer.relay.state !== 'open'))
    const [a, b, , , e] = peers as [Peer, Peer, Peer, Peer, Peer]
    const linkAE = a.mesh.linkTo(e.identity.peerId)!
    linkAE.close('test drops the link')
    await waitFor('link dropped', () => a.mesh.linkTo(e.identity.peerId) !== linkAE)
    const relinkMs = await waitFor('re-linked through the mesh', () => fullMesh(peers), 20_000)
    expect(a.meshConnects + e.meshConnects).toBeGreaterThanOrEqual(1)
    expect(a.mesh.linkTo(e.identity.peerId)).not.toBe(linkAE)

    // The Syncer's page closes: its connections die without a goodbye.
    const rest = peers.slice(1)
    expect(peers.every((peer) => peer.syncer.syncer(GROUP) === a.identity.peerId)).toBe(true)
    const closedAt = Date.now()
    a.mesh.setGroup(GROUP, [])
    for (const pipe of a.pipes) pipe.close('page closed')
    await waitFor(
      'everyone names the next Syncer',
      () => rest.every((peer) => peer.syncer.syncer(GROUP) === b.identity.peerId),
      10_000,
    )
    const failoverMs = Date.now() - closedAt
    console.info(
      `mesh over wrtc, 5 peers: full mesh ${meshMs} ms, re-link over the mesh ${relinkMs} ms, ` +
        `Syncer failover ${failoverMs} ms`,
    )
    expect(failoverMs).toBeLessThan(3000)
  }, 90_000)
})
