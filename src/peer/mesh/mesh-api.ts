/**
 * The mesh as the rest of the app sees it: its options, events and methods. The
 * implementation is in mesh.ts (createMesh).
 */
import type { Emitter } from '../../lib/emitter.ts'
import type { BackoffOptions } from '../../lib/backoff.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Identity } from '../identity/identity.ts'
import type { PeerId, Topic } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { SignalCarrier, Signaling } from '../signaling/signaling.ts'
import type { DataPipe } from '../transport/pipe.ts'
import type { LinkFactory } from './dialer.ts'
import type { LinkGraph } from './link-graph.ts'
import type { GroupId } from './mesh-protocol.ts'
import type { MeshMessageHandler } from './router.ts'

export interface MeshOptions {
  /**
   * The most links a peer keeps per group (default 8): a group with more other members than
   * this is a set of hash rings (see topology.ts) over its members that are around.
   */
  readonly maxLinks?: number
  /** Retry delays after a failed dial or a dropped link. Default 500 ms doubling to 30 s. */
  readonly reconnectBackoff?: BackoffOptions
  readonly clock?: Clock
  /** How long the higher ID of a pair waits for the lower to dial. Default 1500 ms. */
  readonly glareDelayMs?: number
  /** Upper bound of one dial (signaling plus authentication). Default 20 s. */
  readonly dialTimeoutMs?: number
  /** Hops a forwarded message may travel. Default 8. */
  readonly maxHops?: number
  /** How long a peer heard through the mesh counts as reachable. Default 5 s. */
  readonly routeTtlMs?: number
  readonly random?: () => number
  readonly randomBytes?: (bytes: Uint8Array) => void
  readonly log?: (message: string) => void
}

export interface CreateMeshArgs {
  readonly identity: Identity
  /** First-contact signaling (the relay, a PeerJS broker…). The mesh does not close it. */
  readonly signaling: Signaling
  readonly createLink: LinkFactory
  /** Turns the mesh's own signal carrier into a Signaling (e.g. createCarrierSignaling). */
  readonly createMeshSignaling?: (carrier: SignalCarrier) => Signaling
  /** Asked for every authenticated link and on `reauthorize()`; false closes and refuses. */
  readonly authorize?: (peer: PeerId) => boolean
  readonly options?: MeshOptions
}

export interface GroupOptions {
  readonly eager?: boolean
}

export interface MeshEvents extends Record<string, unknown> {
  'link-up': { peer: PeerId; link: Link }
  'link-down': { peer: PeerId; reason: string }
  /** A dial to `peer` failed on every route it tried; `reason` says what failed last. */
  'dial-failed': { peer: PeerId; reason: string }
  /** A group's member list changed (setGroup or removeGroup). */
  group: { groupId: GroupId; members: readonly PeerId[] }
  /** Sent just before the mesh closes its links, so last words can still go out. */
  closing: void
}

/**
 * Authenticated links to the peers of named groups, forwarding across them, and signaling
 * over them. One link per peer pair, shared by all groups.
 */
export interface Mesh extends Pick<Emitter<MeshEvents>, 'on' | 'off'> {
  readonly self: PeerId
  /** Sets the members of a group (self may be included or not); dials what is missing. */
  /**
   * `eager`: dial these peers at once whatever the ID order (they do not know us, e.g. the
   * members a newcomer approaches), instead of leaving the first move to the lower ID.
   */
  setGroup(groupId: GroupId, peers: readonly PeerId[], options?: GroupOptions): void
  removeGroup(groupId: GroupId): void
  /** Members of a group, self included, sorted; empty for an unknown group. */
  members(groupId: GroupId): readonly PeerId[]
  groups(): readonly GroupId[]
  /** Peers the topology wants links to, over all groups. */
  neighbours(): readonly PeerId[]
  /** Joins / leaves a topic on the first-contact signaling. */
  join(topic: Topic): void
  leave(topic: Topic): void
  /**
   * Sends to one peer, directly or hop by hop; false if it could not go anywhere. Messages of
   * one channel and `order` keep their order; others may pass a long one (see Link.send).
   */
  send(peer: PeerId, channel: string, data: Uint8Array, order?: string): boolean
  /** Floods to every member of a group once; false if no member is linked. */
  broadcast(groupId: GroupId, channel: string, data: Uint8Array): boolean
  onMessage(channel: string, handler: MeshMessageHandler): () => void
  /** Who is linked to whom beyond this peer's own links (presence knows), for routing. */
  useLinkGraph(graph: LinkGraph | undefined): void
  links(): readonly Link[]
  /** Peers with an open, authenticated direct link. */
  linkedPeers(): readonly PeerId[]
  /** Link up/down in one callback; returns the unsubscribe function. */
  onLinkChange(handler: (change: { peer: PeerId; up: boolean }) => void): () => void
  linkTo(peer: PeerId): Link | undefined
  /** Linked, or heard from through the mesh within `routeTtlMs`. */
  reachable(peer: PeerId): boolean
  /** Asks `authorize` again about every linked and every refused peer. */
  reauthorize(): void
  /**
   * The network changed (back online, another Wi-Fi): restarts the ICE paths of open links,
   * abandons dials in flight, forgets backoff and dials every wanted peer without a link now.
   */
  reconnectNow(): void
  /**
   * Authenticates a pipe to `peer` obtained outside the mesh's signalings (manual pairing)
   * and keeps it as the peer's link. `dialedBySelf` says this side started it. Resolves with
   * the peer's link; rejects if the peer cannot prove its ID or is refused.
   */
  attach(peer: PeerId, pipe: DataPipe, options?: { dialedBySelf?: boolean }): Promise<Link>
  close(): void
}
