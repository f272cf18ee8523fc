import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import { DeviceProfile } from '../peer/identity/device-profile.ts'
import { createIdbKeyStore } from '../peer/identity/idb-key-store.ts'
import type { Identity } from '../peer/identity/identity.ts'
import { loadOrCreateIdentity } from '../peer/identity/load-identity.ts'
import { TabLock, type LockManagerLike } from '../peer/identity/tab-lock.ts'
import type { PeerId } from '../peer/ids.ts'
import { createLink } from '../peer/link/authenticated-link.ts'
import { ManualPairing } from '../peer/mesh/manual-pairing.ts'
import { createMesh, type Mesh } from '../peer/mesh/mesh.ts'
import { createMeshPort } from '../peer/mesh/mesh-port-adapter.ts'
import { createPresence, type Presence } from '../peer/mesh/presence.ts'
import { ResumableMesh } from '../peer/mesh/resumable-mesh.ts'
import { createCarrierSignaling } from '../peer/signaling/carrier-signaling.ts'
import { OpenSessions } from '../peer/signaling/open-sessions.ts'
import { createManualSignaling } from '../peer/signaling/manual-signaling.ts'
import type { Signaling } from '../peer/signaling/signaling.ts'
import { SignalingView } from '../peer/signaling/signaling-view.ts'
import { firstContact } from './first-contact.ts'
import { createIceSource, type IceSource } from './ice-source.ts'
import { relayUrlFor } from './relay-url.ts'
import { loadSettings, type LoadedSettings } from './settings.ts'
import { OTHER_TAB_ENDPOINT } from './shell-model.ts'

/** The platform APIs the peer layer needs, injected so nothing is built at import. */
export interface PeerPlatform {
  indexedDB: IDBFactory
  WebSocket: typeof WebSocket
  localStorage: Storage
  document: Document
  /** `navigator.storage`, for the storage estimate the files settings show. */
  storageManager?: StorageManager
  /** The page's URL; the relay of the same origin is the default endpoint. */
  pageUrl: string
  /**
   * `navigator.locks`, so only one tab of this browser runs the network. Undefined: taken
   * from `navigator` when there is one; null: every tab runs it (no coordination).
   */
  locks?: LockManagerLike | null
  /**
   * Where 'pagehide' and 'pageshow' fire (the window): a page going away says goodbye to its
   * peers at once instead of leaving them to notice its silence. Undefined: `globalThis` when
   * it has events; null: none.
   */
  lifecycle?: Pick<Window, 'addEventListener'> | null
  /** For the server's STUN/TURN announcement; the global fetch when absent. */
  fetch?: typeof fetch
}

/** Whether this tab runs the device's network; see TabLock. */
interface TabStatus {
  readonly active: boolean
  /** Stops the network in the tab that has it and runs it here. */
  takeOver(): Promise<void>
  on(event: 'change', listener: (value: { active: boolean }) => void): () => void
}

/** This device on the network: its identity, first-contact signaling, mesh and presence. */
export interface PeerSession {
  identity: Identity
  profile: DeviceProfile
  settings: LoadedSettings
  /** The STUN/TURN servers connections use now (settings, else the server's). */
  ice: IceSource
  /** The first-contact signaling in use (relays and/or a PeerJS broker, with failover). */
  connection: SignalingView
  /** The same as `connection` (its older name). */
  carrier: SignalingView
  /** The mesh; it stays the same object while the network stops and starts with the tab. */
  mesh: Mesh
  presence: Presence
  /** The one way features (documents, files, direct messages) reach peers. */
  meshPort: MeshPort
  /** Pairing with a device by carrying two codes, with no server; ends in a mesh link. */
  pairing: ManualPairing
  /** Whether this tab runs the network, and taking it over from another tab. */
  tab: TabStatus
  /** Relay URLs links should tell newcomers to try. */
  endpoints(): string[]
  /** Who may hold a link to us; set once workplaces are loaded. */
  setAuthorizer(authorize: (peer: PeerId) => boolean): void
  close(): void
}

export { OTHER_TAB_ENDPOINT }

export async function createPeerSession(platform: PeerPlatform): Promise<PeerSession> {
  const store = await createIdbKeyStore({ indexedDB: platform.indexedDB })
  const [identity, profile] = await Promise.all([
    loadOrCreateIdentity(store),
    DeviceProfile.load(store),
  ])
  const settings = loadSettings(platform.localStorage)
  const relays = settings.relays.length > 0 ? settings.relays : [relayUrlFor(platform.pageUrl)]
  const ice = createIceSource({
    settings,
    server: relays[0],
    peer: identity.peerId,
    ...(platform.fetch ? { fetch: platform.fetch } : {}),
  })
  // New connections read the list each time; waiting briefly lets the first ones use it too.
  await Promise.race([ice.ready, new Promise((resolve) => setTimeout(resolve, 1500))])
  const signalingOptions = {
    self: identity.peerId,
    iceServers: settings.iceServers,
    rtcConfig: () => ice.current(),
    // Restart signals of open connections may cross to another signaling (e.g. the mesh).
    openSessions: new OpenSessions(),
  }
  const endpoint = firstContact({
    settings,
    relays,
    identity,
    WebSocket: platform.WebSocket,
    pageUrl: platform.pageUrl,
    options: signalingOptions,
  })
  const mesh = new ResumableMesh(identity.peerId)
  const presence = createPresence({ mesh })
  const view = new SignalingView({ endpoint: endpoint.name, kind: endpoint.kind })
  const manual = createManualSignaling(signalingOptions)
  const pairing = new ManualPairing({ signaling: manual, mesh })
  let authorize: (peer: PeerId) => boolean = () => true
  let signaling: Signaling | undefined

  /** Runs the network in this tab: first-contact signaling and a fresh mesh under `mesh`. */
  const start = (): void => {
    if (signaling) return
    signaling = endpoint.create()
    mesh.run(
      createMesh({
        identity,
        signaling,
        createLink,
        createMeshSignaling: (meshCarrier) => createCarrierSignaling(meshCarrier, signalingOptions),
        authorize: (peer) => authorize(peer),
      }),
    )
    view.follow(signaling)
  }
  const stop = (showing = OTHER_TAB_ENDPOINT): void => {
    if (!signaling) return
    mesh.stop()
    signaling.close()
    signaling = undefined
    view.follow(undefined, showing)
  }

  const locks =
    platform.locks === undefined ? globalThis.navigator?.locks : (platform.locks ?? undefined)
  const tab = new TabLock({ locks, name: `peerplace-network-${identity.peerId}` })
  tab.on('change', ({ active }) => (active ? start() : stop()))
  await tab.ready
  if (tab.active) start()
  else view.follow(undefined, OTHER_TAB_ENDPOINT)

  // Leaving: presence says so and links close with a goodbye, so peers (and a new Syncer)
  // know at once. Back from the back/forward cache: connect again.
  const lifecycle =
    platform.lifecycle === undefined
      ? typeof globalThis.addEventListener === 'function'
        ? globalThis
        : undefined
      : (platform.lifecycle ?? undefined)
  lifecycle?.addEventListener('pagehide', () => {
    presence.announceLeaving()
    stop('page hidden')
  })
  // Back online or on another network: paths changed, so stale dials and backoff go.
  lifecycle?.addEventListener('online', () => mesh.reconnectNow())
  const connection = (globalThis.navigator as { connection?: EventTarget } | undefined)?.connection
  if (lifecycle) connection?.addEventListener?.('change', () => mesh.reconnectNow())
  lifecycle?.addEventListener('pageshow', (event) => {
    if ((event as PageTransitionEvent).persisted && tab.active) start()
  })

  const meshPort = createMeshPort({ mesh, presence, topics: view })
  return {
    identity,
    profile,
    settings,
    ice,
    connection: view,
    carrier: view,
    mesh,
    presence,
    meshPort,
    pairing,
    tab: {
      get active() {
        return tab.active
      },
      takeOver: () => tab.takeOver(),
      on: (event, listener) => tab.on(event, listener),
    },
    endpoints: () => relays,
    setAuthorizer(fn) {
      authorize = fn
      mesh.reauthorize()
    },
    close() {
      pairing.close()
      ice.close()
      manual.close()
      presence.close()
      meshPort.close()
      stop()
      mesh.close()
      tab.close()
    },
  }
}
