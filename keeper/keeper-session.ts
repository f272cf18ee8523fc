import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { DeviceProfile } from '../src/peer/identity/device-profile.ts'
import type { KeyStore } from '../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity, type LoadedIdentity } from '../src/peer/identity/load-identity.ts'
import type { PeerId } from '../src/peer/ids.ts'
import { createLink } from '../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../src/peer/mesh/mesh.ts'
import { createPresence, type Presence } from '../src/peer/mesh/presence.ts'
import type { MeshPort } from '../src/peer/mesh/mesh-port.ts'
import { createMeshPort } from '../src/peer/mesh/mesh-port-adapter.ts'
import { createCarrierSignaling } from '../src/peer/signaling/carrier-signaling.ts'
import {
  createFailoverSignaling,
  type FailoverSignaling,
} from '../src/peer/signaling/failover-signaling.ts'
import { OpenSessions } from '../src/peer/signaling/open-sessions.ts'
import { relayEndpoint } from '../src/peer/signaling/relay-endpoint.ts'
import type { KeeperLog } from './keeper-log.ts'

/** The keeper on the network: the same identity, signaling, mesh and presence as a browser's. */
export interface KeeperSession {
  identity: LoadedIdentity
  profile: DeviceProfile
  mesh: Mesh
  presence: Presence
  /** The one port features reach peers through (the browser's session.meshPort). */
  meshPort: MeshPort
  /** First-contact signaling over the relays (its state says whether we can meet anyone). */
  signaling: FailoverSignaling
  /** Who may hold a link to us; set once workplaces are loaded. */
  setAuthorizer(authorize: (peer: PeerId) => boolean): void
  /** Says goodbye to every group and closes links and signaling. */
  close(): void
}

export interface KeeperSessionOptions {
  keys: KeyStore
  /** Relay WebSocket URLs, tried in order; round and round with backoff when all fail. */
  relays: readonly string[]
  iceServers: RTCIceServer[]
  log: KeeperLog
  /** The display name members see, when the profile has none yet. */
  name: string
}

export async function createKeeperSession(options: KeeperSessionOptions): Promise<KeeperSession> {
  if (options.relays.length === 0) throw new Error('no relay: give --relay <url>')
  // The key is kept as raw bytes (the library's Ed25519), so the data folder can hold it.
  const identity = await loadOrCreateIdentity(options.keys, { subtle: null })
  const profile = await DeviceProfile.load(options.keys)
  if (profile.name !== options.name) await profile.setName(options.name)
  const { log } = options
  const quiet = (message: string) => log.debug('webrtc', message)
  const signalingOptions = {
    self: identity.peerId,
    iceServers: options.iceServers,
    wrtc,
    log: quiet,
    openSessions: new OpenSessions(),
  }
  const signaling = createFailoverSignaling({
    endpoints: options.relays.map((url) =>
      relayEndpoint(
        { url, identity, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket },
        signalingOptions,
      ),
    ),
    // Forever, but no more often than once a minute once every relay failed a few times.
    backoff: { initialMs: 1000, maxMs: 60_000 },
  })
  let lastState = ''
  signaling.on('state', () => {
    if (signaling.state === lastState) return
    lastState = signaling.state
    log.event('signaling', { state: signaling.state, endpoint: signaling.endpoint ?? '' })
  })
  let authorize: (peer: PeerId) => boolean = () => true
  const mesh = createMesh({
    identity,
    signaling,
    createLink: (args) => createLink({ ...args, options: { log: quiet } }),
    createMeshSignaling: (carrier) => createCarrierSignaling(carrier, signalingOptions),
    authorize: (peer) => authorize(peer),
    options: { log: quiet },
  })
  mesh.on('link-up', ({ peer }) => log.event('link-up', { peer }))
  const refusedBy = new Set<PeerId>()
  mesh.on('link-down', ({ peer, reason }) => {
    log.event('link-down', { peer, reason })
    // A member closes our links as unauthorized once it counts us as removed, often before
    // the removal record reaches us: said once, as what it means.
    if (/unauthori[sz]ed/.test(reason) && !refusedBy.has(peer)) {
      refusedBy.add(peer)
      log.event('refused', {
        peer,
        note: 'this member refuses the keeper (removed from its workplace?): it gets nothing from it',
      })
    }
  })
  mesh.on('link-up', ({ peer }) => refusedBy.delete(peer))
  const presence = createPresence({ mesh })
  const meshPort = createMeshPort({ mesh, presence, topics: signaling })
  return {
    identity,
    profile,
    mesh,
    presence,
    meshPort,
    signaling,
    setAuthorizer(fn) {
      authorize = fn
      mesh.reauthorize()
    },
    close() {
      presence.close()
      mesh.close()
      signaling.close()
    },
  }
}
