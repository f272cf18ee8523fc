import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../signaling/config.ts'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../../src/peer/mesh/mesh.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import { OpenSessions } from '../../src/peer/signaling/open-sessions.ts'
import { createRelayCarrier, type RelayCarrier } from '../../src/peer/signaling/relay-carrier.ts'
import type { SignalCarrier } from '../../src/peer/signaling/signaling.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { waitFor } from '../support/fake-mesh-network.ts'

// A held link restarts ICE with signals (offer, answer, asks) that must still travel when the
// signaling that made the link is down: the device's open sessions send them through the mesh.

const GROUP = 'restart-group'
const TOPIC = asTopic('restart-topic')
const logs: string[] = []
const quiet = (line: string) => void logs.push(line)

interface Peer {
  identity: Identity
  relay: RelayCarrier
  mesh: Mesh
  /** Signals that reached this peer through the mesh, by sender. */
  viaMesh: Map<PeerId, number>
}

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
  const relay = createRelayCarrier({ url, identity, WebSocket, reconnect: false })
  const options = {
    self: identity.peerId,
    iceServers: [],
    wrtc,
    connectTimeoutMs: 5000,
    log: quiet,
    openSessions: new OpenSessions(), // one per device, shared by its signalings
  }
  const viaMesh = new Map<PeerId, number>()
  const mesh = createMesh({
    identity,
    signaling: createCarrierSignaling(relay, options),
    createLink: (args) => createLink({ ...args, options: { log: quiet } }),
    createMeshSignaling: (carrier: SignalCarrier) => {
      carrier.on('signal', ({ from }) => viaMesh.set(from, (viaMesh.get(from) ?? 0) + 1))
      return createCarrierSignaling(carrier, options)
    },
    options: { dialTimeoutMs: 8000, log: quiet },
  })
  mesh.join(TOPIC)
  mesh.setGroup(GROUP, group)
  return { identity, relay, mesh, viaMesh }
}

describe('ICE restart signals of a held link', () => {
  it('go through the mesh when the relay that made the link is down', async () => {
    server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
    const identities = await Promise.all(Array.from({ length: 3 }, createTestIdentity))
    const ids = identities.map((identity) => identity.peerId)
    for (const identity of identities) peers.push(startPeer(identity, server.relayUrl, ids))
    const [a, b] = peers as [Peer, Peer, Peer]
    const linked = () =>
      peers.every((p) => peers.every((o) => o === p || p.mesh.linkTo(o.identity.peerId)))
    await waitFor('a full mesh through the relay', linked, 30_000)

    await server.close()
    server = undefined
    await waitFor('the relay gone', () => peers.every((peer) => peer.relay.state !== 'open'))
    const [aId, bId] = [a.identity.peerId, b.identity.peerId]
    const link = a.mesh.linkTo(bId)!
    const before = [b.viaMesh.get(aId) ?? 0, a.viaMesh.get(bId) ?? 0]
    link.restartPath()
    // The restart's offer one way and its answer the other both crossed the mesh.
    await waitFor(
      'restart signals both ways through the mesh',
      () => (b.viaMesh.get(aId) ?? 0) > before[0]! && (a.viaMesh.get(bId) ?? 0) > before[1]!,
      10_000,
    )
    await waitFor('the path back', () => link.path === 'ok', 10_000)
    expect(a.mesh.linkTo(bId)).toBe(link) // the same link, restarted, not a new dial
    expect(logs.filter((line) => /no signaling could carry/.test(line))).toEqual([])
  }, 60_000)
})
