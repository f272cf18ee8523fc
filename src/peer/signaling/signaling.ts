import type { Emitter } from '../../lib/emitter.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { DataPipe } from '../transport/pipe.ts'

export type SignalingKind = 'relay' | 'peerjs' | 'manual' | 'broadcast' | 'mesh'
export type SignalingState = 'connecting' | 'open' | 'closed'

export interface SignalingEvents extends Record<string, unknown> {
  state: SignalingState
  'peer-joined': { topic: Topic; peer: PeerId }
  'peer-left': { topic: Topic; peer: PeerId }
  /** A remote peer opened a pipe to us. Not yet authenticated. */
  pipe: { peer: PeerId; pipe: DataPipe }
  error: { message: string }
}

/**
 * The swappable signaling step: meet peers in a topic and get a data pipe to one of them.
 * Every adapter passes the contract suite in tests/contract/signaling-contract.ts.
 */
export interface Signaling extends Pick<Emitter<SignalingEvents>, 'on' | 'off'> {
  readonly kind: SignalingKind
  readonly state: SignalingState
  /** A human-readable name of the endpoint in use, for the UI ("relay wss://…", "manual"). */
  readonly endpoint: string
  join(topic: Topic): void
  leave(topic: Topic): void
  /** Peers currently present in a topic (us excluded). */
  peers(topic: Topic): readonly PeerId[]
  /** Opens a pipe to a peer. Rejects with a clear Error if it cannot be reached. */
  connect(peer: PeerId, options?: { signal?: AbortSignal }): Promise<DataPipe>
  close(): void
}

export interface SignalCarrierEvents extends Record<string, unknown> {
  state: SignalingState
  'peer-joined': { topic: Topic; peer: PeerId }
  'peer-left': { topic: Topic; peer: PeerId }
  /** An opaque signal (SDP or ICE candidate JSON) from a peer. */
  signal: { from: PeerId; data: unknown }
  error: { message: string }
}

/**
 * The smaller contract of adapters that only carry opaque signals (relay, BroadcastChannel,
 * manual exchange, the mesh itself). `createCarrierSignaling` (carrier-signaling.ts) turns one into a Signaling
 * by running simple-peer over it.
 */
export interface SignalCarrier extends Pick<Emitter<SignalCarrierEvents>, 'on' | 'off'> {
  readonly kind: SignalingKind
  readonly state: SignalingState
  readonly endpoint: string
  join(topic: Topic): void
  leave(topic: Topic): void
  peers(topic: Topic): readonly PeerId[]
  send(to: PeerId, data: unknown): void
  close(): void
}
