import type { DeviceData } from '../backup/device-data.ts'
import type { PeerId } from '../peer/ids.ts'
import type { SignalingState } from '../peer/signaling/signaling.ts'
import type { PeerSession } from './peer-session.ts'
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
  /** The device on the network: mesh, presence, signaling. */
  readonly session: PeerSession
  /** The workplaces, ready once the document layer (Automerge's wasm) has loaded. */
  readonly workplaces: Promise<WorkplacesApp>
  /** Storage persistence, backup, restore and exports (absent where main.ts gives none). */
  readonly data?: DeviceData
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
  on(event: 'state', listener: (state: SignalingState) => void): () => void
}
