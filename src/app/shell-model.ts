import type { DeviceData } from '../backup/device-data.ts'
import type { PeerId } from '../peer/ids.ts'
import type { SignalingState } from '../peer/signaling/signaling.ts'
import type { CarrierStatus } from '../peer/signaling/carrier-status.ts'
import type { Mesh } from '../peer/mesh/mesh.ts'
import type { ManualPairing } from '../peer/mesh/manual-pairing.ts'
import type { IceSource } from './ice-source.ts'
import type { SignalingView } from '../peer/signaling/signaling-view.ts'
import type { WorkplacesApp } from './workplaces-app.ts'

/**
 * What the first screen shows and may change. Built once in src/main.ts and passed down as
 * props; the UI only reads these and calls their methods.
 */
export interface ShellModel {
  /** This device's peer ID (derived from its key). */
  readonly peerId: PeerId
  readonly profile: DisplayNameSource
  /** The signaling connection in use (by default the relay of the app's own origin). */
  readonly connection: ConnectionStatus
  /** The device on the network, as the header, the connection log and diagnostics read it. */
  readonly network: NetworkView
  /** Pairing with a device by carrying two codes, with no server. */
  readonly pairing: ManualPairing
  /** The workplaces, ready once the document layer (Automerge's wasm) has loaded. */
  readonly workplaces: Promise<WorkplacesApp>
  /** Storage persistence, backup, restore and exports (absent where main.ts gives none). */
  readonly data?: DeviceData
  /** Stops the network (before a restore rewrites this device's databases). */
  close(): void
}

/** The device's links, first-contact signaling and STUN/TURN servers, read-only. */
interface NetworkView {
  readonly mesh: Pick<
    Mesh,
    'on' | 'links' | 'linkedPeers' | 'neighbours' | 'groups' | 'reachable' | 'onLinkChange'
  >
  /** The first-contact signaling in use (with failover): its state, endpoint and presence. */
  readonly signaling: SignalingView
  /** The STUN/TURN servers new connections use, and where they come from. */
  readonly ice: Pick<IceSource, 'current' | 'origin' | 'problem'>
}

/** The device's editable display name; `DeviceProfile` from src/peer/identity fits. */
export interface DisplayNameSource {
  /** Null until the user picks a name. */
  readonly name: string | null
  /** Validates and stores a new name; rejects with a readable Error if it is invalid. */
  setName(name: string): Promise<void>
  on(event: 'change', listener: (value: { name: string | null }) => void): () => void
}

/** A signaling connection's state; any `Signaling` or `SignalCarrier` fits. */
export interface ConnectionStatus {
  readonly state: SignalingState
  /** Which endpoint is in use, for people to read ("relay wss://example.org/relay"). */
  readonly endpoint: string
  /** Every signaling endpoint was tried and none answers (the device keeps trying). */
  readonly unanswered?: boolean
  /** How many endpoints are tried in turn. */
  readonly endpointCount?: number
  /** Each carrier (the relays, the broker) with its own state: one may fail while another is open. */
  readonly carriers?: readonly CarrierStatus[]
  on(event: 'state', listener: (state: SignalingState) => void): () => void
  /** Subscribes to changes of `carriers`. */
  onCarriersChange?(listener: () => void): () => void
}

/** Shown as the endpoint while another tab of this browser runs the network. */
export const OTHER_TAB_ENDPOINT = 'in use in another tab'
