import { Emitter } from '../../lib/emitter.ts'
import type { Identity } from '../identity/identity.ts'
import { isPeerId, type PeerId, type Topic } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { SignalCarrier, Signaling } from '../signaling/signaling.ts'
import type { DataPipe } from '../transport/pipe.ts'
import type { BackoffOptions } from '../../lib/backoff.ts'
import { systemClock, type Clock } from '../../lib/clock.ts'
import { refreshWhenPathReturns } from './path-refresh.ts'
import { Dialer, type LinkFactory } from './dialer.ts'
import { LinkRegistry } from './link-registry.ts'
import { MeshCarrier } from './mesh-carrier.ts'
import { isGroupId, MESH_CHANNEL, type GroupId } from './mesh-protocol.ts'
import type { LinkGraph } from './link-graph.ts'
import { Router, type MeshMessageHandler } from './router.ts'
import { DEFAULT_MAX_LINKS, groupNeighbours } from './topology.ts'

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
  /** Sends to one peer, directly or hop by hop; false if it could not go anywhere. */
  send(peer: PeerId, channel: string, data: Uint8Array): boolean
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

export function createMesh(args: CreateMeshArgs): Mesh {
  return new MeshImpl(args)
}

class MeshImpl extends Emitter<MeshEvents> implements Mesh {
  readonly self: PeerId
  readonly #signaling: Signaling
  readonly #maxLinks: number
  #replanQueued = false
  readonly #groups = new Map<GroupId, ReadonlySet<PeerId>>()
  readonly #registry: LinkRegistry
  readonly #router: Router
  readonly #carrier: MeshCarrier
  readonly #meshSignaling: Signaling | undefined
  readonly #dialer: Dialer
  readonly #topics = new Set<Topic>()
  readonly #unsubscribe: (() => void)[] = []
  #wanted = new Set<PeerId>()
  /** Peers a plan has wanted (their links are the plan's to drop). */
  readonly #everWanted = new Set<PeerId>()
  #graph: LinkGraph | undefined
  readonly #eagerGroups = new Set<GroupId>()
  readonly #clock: Clock
  #closed = false

  constructor(args: CreateMeshArgs) {
    super()
    const options = args.options ?? {}
    const self = args.identity.peerId
    const clock = options.clock ?? systemClock()
    this.#clock = clock
    const log =
      options.log ?? ((message: string) => console.warn(`[mesh ${self.slice(0, 6)}] ${message}`))
    this.self = self
    this.#signaling = args.signaling
    this.#maxLinks = options.maxLinks ?? DEFAULT_MAX_LINKS
    if (!Number.isInteger(this.#maxLinks) || this.#maxLinks < 2) {
      throw new Error(`maxLinks must be an integer of at least 2, not ${this.#maxLinks}`)
    }
    this.#registry = new LinkRegistry(self, args.authorize ?? (() => true), log)
    this.#router = new Router({
      self,
      clock,
      log,
      links: () => this.#registry.links,
      members: (group) => this.#groups.get(group),
      randomBytes:
        options.randomBytes ??
        ((bytes) => crypto.getRandomValues(bytes as Uint8Array<ArrayBuffer>)),
      maxHops: options.maxHops ?? 8,
      routeTtlMs: options.routeTtlMs ?? 5000,
      graph: () => this.#graph,
    })
    this.#carrier = new MeshCarrier(this.#router, log)
    this.#meshSignaling = args.createMeshSignaling?.(this.#carrier)
    this.#dialer = new Dialer({
      identity: args.identity,
      clock,
      log,
      random: options.random ?? Math.random,
      createLink: args.createLink,
      routesTo: (peer) => this.#routesTo(peer),
      registry: this.#registry,
      wanted: (peer) => this.#wanted.has(peer),
      eager: (peer) =>
        [...this.#eagerGroups].some((group) => this.#groups.get(group)?.has(peer) ?? false),
      backoff: options.reconnectBackoff ?? {},
      glareDelayMs: options.glareDelayMs ?? 1500,
      dialTimeoutMs: options.dialTimeoutMs ?? 20_000,
      dialFailed: (peer, reason) => this.emit('dial-failed', { peer, reason }),
      present: (peer) => this.#presentOnSignaling(peer),
      // A lost path is worth restarting while the peer is around: restart signals reach it.
      keepPath: (peer) => this.#presentOnSignaling(peer) || this.#router.reachableAround(peer),
    })
    this.#wire()
  }

  #wire(): void {
    const registry = this.#registry
    this.#unsubscribe.push(
      registry.on('up', ({ peer, link }) => {
        const offRefresh = refreshWhenPathReturns({
          self: this.self,
          link,
          clock: this.#clock,
          current: (candidate) => !this.#closed && this.#registry.links.get(peer) === candidate,
          refresh: (stuck) => this.#dialer.refresh(stuck),
        })
        link.on('close', offRefresh)
        this.#dialer.linked(peer)
        this.emit('link-up', { peer, link })
        this.#replanSoon()
      }),
      registry.on('down', ({ peer, reason }) => {
        this.#router.linkDown(peer)
        this.emit('link-down', { peer, reason })
        this.#dialer.dropped(peer)
        this.#replanSoon()
      }),
      registry.on('frame', ({ link, channel, data }) => {
        if (channel === MESH_CHANNEL) this.#router.receive(link, data)
      }),
    )
    for (const signaling of [this.#signaling, this.#meshSignaling]) {
      if (!signaling) continue
      this.#unsubscribe.push(
        signaling.on('pipe', ({ peer, pipe }) => this.#dialer.accept(peer, pipe)),
        signaling.on('peer-joined', ({ peer }) => {
          // It came back (a reload, a new network): a link still restarting its old path is dead.
          if (this.#registry.links.get(peer)?.path === 'restarting') {
            this.#registry.close(peer, 'the peer reappeared on signaling')
          }
          this.#replanSoon()
          if (this.#wanted.has(peer)) this.#dialer.retrySoon(peer)
        }),
        signaling.on('peer-left', () => this.#replanSoon()),
      )
    }
    this.#unsubscribe.push(
      this.#signaling.on('state', (state) => {
        this.#replanSoon()
        if (state !== 'open') return
        for (const peer of this.#wanted) {
          if (!this.#registry.links.has(peer)) this.#dialer.retrySoon(peer)
        }
      }),
    )
  }

  /**
   * Where to signal a dial to `peer`: over the mesh first when the peer was heard through it
   * recently, else the first-contact signaling when it is open and (once topics are joined)
   * the peer is present in one; the mesh as a last resort whenever any link is up. A signal
   * sent where it cannot arrive would hold a dead session until its timeout.
   */
  /** The peer is on the open first-contact signaling in a topic we share. */
  #presentOnSignaling(peer: PeerId): boolean {
    const firstContact = this.#signaling
    if (firstContact.state !== 'open' || this.#topics.size === 0) return false
    return [...this.#topics].some((t) => firstContact.peers(t).includes(peer))
  }

  #routesTo(peer: PeerId): Signaling[] {
    const routes: Signaling[] = []
    const mesh = this.#meshSignaling
    const viaMesh = mesh !== undefined && this.#registry.links.size > 0
    if (viaMesh && this.#router.reachable(peer)) routes.push(mesh)
    const firstContact = this.#signaling
    const present =
      this.#topics.size === 0 || [...this.#topics].some((t) => firstContact.peers(t).includes(peer))
    if (firstContact.state === 'open' && present) routes.push(firstContact)
    if (viaMesh && !routes.includes(mesh)) routes.push(mesh)
    return routes
  }

  setGroup(groupId: GroupId, peers: readonly PeerId[], options: GroupOptions = {}): void {
    if (!isGroupId(groupId)) throw new Error(`invalid group ID: ${String(groupId).slice(0, 80)}`)
    const bad = peers.find((peer) => !isPeerId(peer))
    if (bad !== undefined) throw new Error(`invalid peer ID in group: ${String(bad).slice(0, 80)}`)
    this.#groups.set(groupId, new Set([...peers, this.self]))
    if (options.eager) this.#eagerGroups.add(groupId)
    else this.#eagerGroups.delete(groupId)
    this.#replan()
    this.emit('group', { groupId, members: this.members(groupId) })
  }

  removeGroup(groupId: GroupId): void {
    if (!this.#groups.delete(groupId)) return
    this.#eagerGroups.delete(groupId)
    this.#replan()
    this.emit('group', { groupId, members: [] })
  }

  members(groupId: GroupId): readonly PeerId[] {
    return [...(this.#groups.get(groupId) ?? [])].sort()
  }

  groups(): readonly GroupId[] {
    return [...this.#groups.keys()]
  }

  neighbours(): readonly PeerId[] {
    return [...this.#wanted].sort()
  }

  join(topic: Topic): void {
    this.#topics.add(topic)
    this.#signaling.join(topic)
  }

  leave(topic: Topic): void {
    this.#topics.delete(topic)
    this.#signaling.leave(topic)
  }

  send(peer: PeerId, channel: string, data: Uint8Array): boolean {
    return !this.#closed && this.#router.send(peer, channel, data)
  }

  broadcast(groupId: GroupId, channel: string, data: Uint8Array): boolean {
    return !this.#closed && this.#router.broadcast(groupId, channel, data)
  }

  onMessage(channel: string, handler: MeshMessageHandler): () => void {
    return this.#router.onMessage(channel, handler)
  }

  useLinkGraph(graph: LinkGraph | undefined): void {
    this.#graph = graph
  }

  links(): readonly Link[] {
    return [...this.#registry.links.values()]
  }

  linkedPeers(): readonly PeerId[] {
    return [...this.#registry.links.keys()]
  }

  onLinkChange(handler: (change: { peer: PeerId; up: boolean }) => void): () => void {
    const offUp = this.on('link-up', ({ peer }) => handler({ peer, up: true }))
    const offDown = this.on('link-down', ({ peer }) => handler({ peer, up: false }))
    return () => {
      offUp()
      offDown()
    }
  }

  linkTo(peer: PeerId): Link | undefined {
    return this.#registry.links.get(peer)
  }

  reachable(peer: PeerId): boolean {
    return this.#router.reachable(peer)
  }

  reconnectNow(): void {
    // Open links may run on addresses the device no longer has: restart their ICE paths.
    for (const link of this.#registry.links.values()) link.restartPath()
    for (const peer of this.#wanted) {
      if (!this.#registry.links.has(peer)) this.#dialer.retrySoon(peer)
    }
  }

  reauthorize(): void {
    for (const peer of this.#registry.reauthorize()) {
      if (this.#wanted.has(peer)) this.#dialer.retrySoon(peer)
    }
  }

  attach(peer: PeerId, pipe: DataPipe, options: { dialedBySelf?: boolean } = {}): Promise<Link> {
    if (!isPeerId(peer)) {
      pipe.close('invalid peer ID')
      return Promise.reject(new Error(`invalid peer ID: ${String(peer).slice(0, 80)}`))
    }
    return this.#dialer.accept(peer, pipe, options.dialedBySelf ? this.self : peer)
  }

  close(): void {
    if (this.#closed) return
    this.emit('closing', undefined)
    this.#closed = true
    this.#dialer.close()
    this.#registry.closeAll('local-close')
    for (const off of this.#unsubscribe) off()
    for (const topic of this.#topics) this.#signaling.leave(topic)
    this.#meshSignaling?.close()
    this.#carrier.close()
    this.removeAllListeners()
  }

  /** Replans once the current event is handled (several events often come together). */
  #replanSoon(): void {
    if (this.#replanQueued || this.#closed) return
    this.#replanQueued = true
    queueMicrotask(() => {
      this.#replanQueued = false
      this.#replan()
    })
  }

  /**
   * The members of a large group that are around: linked, heard through the mesh, or present on
   * the open first-contact signaling. The rings are laid over these only, so an offline member
   * does not leave a gap that cuts the online ones apart, and its neighbours close ranks (local
   * repair) once it goes. Without an open signaling to tell, every member counts.
   */
  #around(members: ReadonlySet<PeerId>): Set<PeerId> {
    const firstContact = this.#signaling
    if (firstContact.state !== 'open' || this.#topics.size === 0) return new Set(members)
    const present = new Set([...this.#topics].flatMap((topic) => firstContact.peers(topic)))
    const reachable = new Set(this.#router.reachablePeers())
    return new Set(
      [...members].filter((peer) => peer === this.self || present.has(peer) || reachable.has(peer)),
    )
  }

  /** Recomputes the wanted neighbours; dials new ones, drops links nobody needs any more. */
  #replan(): void {
    if (this.#closed) return
    const wanted = new Set<PeerId>()
    for (const members of this.#groups.values()) {
      const candidates = members.size - 1 <= this.#maxLinks ? members : this.#around(members)
      for (const peer of groupNeighbours(this.self, candidates, this.#maxLinks)) wanted.add(peer)
    }
    this.#wanted = wanted
    for (const peer of wanted) this.#everWanted.add(peer)
    // Every link, not only those of the peers wanted until now: a dial made while its peer was
    // wanted may come up after it stopped being. Links never made for a group (manual pairing)
    // are left alone.
    for (const peer of [...this.#registry.links.keys()]) {
      if (wanted.has(peer) || !this.#everWanted.has(peer)) continue
      // Only the dialler drops a link, so a peer that still wants it keeps it.
      if (this.#registry.dialedBy(peer) === this.self) {
        this.#everWanted.delete(peer)
        this.#registry.close(peer, 'no longer needed')
      }
    }
    for (const peer of wanted) this.#dialer.want(peer)
  }
}
