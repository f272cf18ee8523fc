import type { MeshPort } from '../crdt/mesh-port.ts'
import type { PresencePort } from '../crdt/sync/workplace-sync.ts'
import { DeviceProfile } from '../peer/identity/device-profile.ts'
import { createIdbKeyStore } from '../peer/identity/idb-key-store.ts'
import type { Identity } from '../peer/identity/identity.ts'
import { loadOrCreateIdentity } from '../peer/identity/load-identity.ts'
import type { PeerId } from '../peer/ids.ts'
import { createLink } from '../peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../peer/mesh/mesh.ts'
import { createPresence, type Presence } from '../peer/mesh/presence.ts'
import { electSyncer } from '../peer/mesh/syncer.ts'
import { createCarrierSignaling } from '../peer/signaling/carrier-signaling.ts'
import { createFailoverCarrier, type FailoverCarrier } from '../peer/signaling/failover-carrier.ts'
import { relayEndpoint } from '../peer/signaling/relay-carrier.ts'
import type { Signaling } from '../peer/signaling/signaling.ts'
import { relayUrlFor } from './relay-url.ts'
import { loadSettings, type ConnectionSettings } from './settings.ts'

/** The platform APIs the peer layer needs, injected so nothing is built at import. */
export interface PeerPlatform {
  indexedDB: IDBFactory
  WebSocket: typeof WebSocket
  localStorage: Storage
  /** The page's URL; the relay of the same origin is the default endpoint. */
  pageUrl: string
}

/** This device on the network: its identity, first-contact signaling, mesh and presence. */
export interface PeerSession {
  identity: Identity
  profile: DeviceProfile
  settings: ConnectionSettings
  /** The relay connection(s) in use, with failover. */
  carrier: FailoverCarrier
  signaling: Signaling
  mesh: Mesh
  presence: Presence
  /** Presence with the Syncer rule, as the workplace layer reads it. */
  presencePort: PresencePort
  /** The mesh as the workplace layer uses it. */
  meshPort: MeshPort
  /** Relay URLs links should tell newcomers to try. */
  endpoints(): string[]
  /** Who may hold a link to us; set once workplaces are loaded. */
  setAuthorizer(authorize: (peer: PeerId) => boolean): void
  close(): void
}

export async function createPeerSession(platform: PeerPlatform): Promise<PeerSession> {
  const store = await createIdbKeyStore({ indexedDB: platform.indexedDB })
  const [identity, profile] = await Promise.all([
    loadOrCreateIdentity(store),
    DeviceProfile.load(store),
  ])
  const settings = loadSettings(platform.localStorage)
  const relays = settings.relays.length > 0 ? settings.relays : [relayUrlFor(platform.pageUrl)]
  const carrier = createFailoverCarrier({
    endpoints: relays.map((url) => relayEndpoint({ url, identity, WebSocket: platform.WebSocket })),
  })
  const signalingOptions = { self: identity.peerId, iceServers: settings.iceServers }
  const signaling = createCarrierSignaling(carrier, signalingOptions)
  let authorize: (peer: PeerId) => boolean = () => true
  const mesh = createMesh({
    identity,
    signaling,
    createLink,
    createMeshSignaling: (meshCarrier) => createCarrierSignaling(meshCarrier, signalingOptions),
    authorize: (peer) => authorize(peer),
  })
  const presence = createPresence({ mesh })
  const presencePort: PresencePort = {
    online: (group) => presence.online(group),
    syncer: (group) => electSyncer(identity.peerId, presence.online(group)),
    onChange: (handler) => presence.on('change', ({ groupId }) => handler(groupId)),
  }
  return {
    identity,
    profile,
    settings,
    carrier,
    signaling,
    mesh,
    presence,
    presencePort,
    meshPort: mesh,
    endpoints: () => relays,
    setAuthorizer(fn) {
      authorize = fn
      mesh.reauthorize()
    },
    close() {
      presence.close()
      mesh.close()
      signaling.close()
      carrier.close()
    },
  }
}
