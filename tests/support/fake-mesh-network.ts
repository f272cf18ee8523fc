import type { Identity } from '../../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../../src/peer/ids.ts'
import { createMesh, type Mesh, type MeshOptions } from '../../src/peer/mesh/mesh.ts'
import type { LinkFactory } from '../../src/peer/mesh/dialer.ts'
import {
  createPresence,
  type Presence,
  type PresenceOptions,
} from '../../src/peer/mesh/presence.ts'
import { FakeCarrierSignalingNetwork } from './fake-carrier-signaling.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { FakeSignalingHub, type FakeSignaling } from './fake-signaling.ts'
import { createTestIdentity } from './test-identity.ts'

export const GROUP = 'group-1'
export const TOPIC = asTopic('topic-1')

export interface TestPeer {
  readonly id: PeerId
  readonly identity: Identity
  readonly signaling: FakeSignaling
  readonly mesh: Mesh
  readonly presence: Presence | undefined
}

export interface MeshNetworkOptions {
  readonly mesh?: MeshOptions
  /** Run presence beacons on every peer (with these options). */
  readonly presence?: PresenceOptions
  readonly authorize?: (self: PeerId, peer: PeerId) => boolean
  readonly createLink?: LinkFactory
  /** Collected mesh/presence log lines instead of console output. */
  readonly logs?: string[]
  /** See FakeSignalingHub.connectDelayMs. */
  readonly connectDelayMs?: number
  /** How long a dial signalled through the mesh waits for its answer (2 s by default). */
  readonly meshSignalTimeoutMs?: number
}

/**
 * N peers in one group over in-memory first-contact signaling (`hub`) and signaling through
 * the mesh (`meshSignaling`), with in-memory pipes and real authenticated links; `peers`
 * sorted by peer ID.
 */
export async function createMeshNetwork(count: number, options: MeshNetworkOptions = {}) {
  const hub = new FakeSignalingHub()
  hub.connectDelayMs = options.connectDelayMs ?? 0
  const meshSignaling = new FakeCarrierSignalingNetwork()
  const identities = await Promise.all(Array.from({ length: count }, createTestIdentity))
  identities.sort((a, b) => (a.peerId < b.peerId ? -1 : 1))
  const ids = identities.map((identity) => identity.peerId)
  const log = (line: string) => options.logs?.push(line)
  const start = (identity: Identity): TestPeer => {
    const signaling = hub.signaling(identity.peerId)
    const mesh = createMesh({
      identity,
      signaling,
      createLink:
        options.createLink ??
        ((args) => createLink({ ...args, options: { ...args.options, log } })),
      createMeshSignaling: (carrier) =>
        meshSignaling.create(identity.peerId, carrier, options.meshSignalTimeoutMs),
      ...(options.authorize
        ? { authorize: (peer: PeerId) => options.authorize?.(identity.peerId, peer) ?? true }
        : {}),
      options: {
        glareDelayMs: 200,
        reconnectBackoff: { initialMs: 50, maxMs: 400 },
        log,
        ...options.mesh,
      },
    })
    const presence = options.presence
      ? createPresence({ mesh, options: { log, ...options.presence } })
      : undefined
    mesh.join(TOPIC)
    mesh.setGroup(GROUP, ids)
    return { id: identity.peerId, identity, signaling, mesh, presence }
  }
  const peers = identities.map(start)
  return {
    hub,
    meshSignaling,
    ids,
    peers,
    /** Plays a page closing without a word: its pipes close, nothing more is heard from it. */
    crash(peer: TestPeer) {
      peer.signaling.close()
      peer.mesh.setGroup(GROUP, [])
      for (const link of peer.mesh.links()) link.close('crashed')
    },
    /** Starts the peer again with the same identity; returns its new self. */
    restart(peer: TestPeer): TestPeer {
      peer.mesh.close()
      const fresh = start(peer.identity)
      peers[peers.indexOf(peer)] = fresh
      return fresh
    },
    close() {
      for (const peer of peers) peer.mesh.close()
    },
  }
}

/** Polls `predicate` until it holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000) {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return Date.now() - start
}

/** Whether every peer can reach every other by following direct links. */
export function connected(peers: readonly TestPeer[]): boolean {
  const byId = new Map(peers.map((peer) => [peer.id, peer]))
  const first = peers[0]
  if (!first) return true
  const seen = new Set([first.id])
  const queue = [first]
  for (let peer = queue.shift(); peer; peer = queue.shift()) {
    for (const next of peer.mesh.linkedPeers()) {
      const nextPeer = byId.get(next)
      if (nextPeer && !seen.has(next)) {
        seen.add(next)
        queue.push(nextPeer)
      }
    }
  }
  return seen.size === peers.length
}
