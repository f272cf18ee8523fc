import { Emitter } from '../../lib/emitter.ts'
import { isPeerId, type PeerId, type Topic } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { Signaling } from '../signaling/signaling.ts'
import type { DataPipe } from '../transport/pipe.ts'
import { systemClock, type Clock } from '../../lib/clock.ts'
import { refreshWhenPathReturns } from './path-refresh.ts'
import { Dialer } from './dialer.ts'
import { LinkRegistry } from './link-registry.ts'
import { MeshCarrier } from './mesh-carrier.ts'
import { MESH_CHANNEL, type GroupId } from './mesh-protocol.ts'
import type { LinkGraph } from './link-graph.ts'
import { Router, type MeshMessageHandler } from './router.ts'
import { FirstContact } from './first-contact.ts'
import { GroupPlan } from './group-plan.ts'
import type { CreateMeshArgs, GroupOptions, Mesh, MeshEvents } from './mesh-api.ts'

export type { CreateMeshArgs, GroupOptions, Mesh, MeshEvents, MeshOptions } from './mesh-api.ts'

export function createMesh(args: CreateMeshArgs): Mesh {
  return new MeshImpl(args)
}

class MeshImpl extends Emitter<MeshEvents> implements Mesh {
  readonly self: PeerId
  readonly #firstContact: FirstContact
  readonly #plan: GroupPlan
  /** Peers linked by a pipe handed in (manual pairing): their links are never the plan's. */
  readonly #attached = new Set<PeerId>()
  #replanQueued = false
  readonly #registry: LinkRegistry
  readonly #router: Router
  readonly #carrier: MeshCarrier
  readonly #meshSignaling: Signaling | undefined
  readonly #dialer: Dialer
  readonly #unsubscribe: (() => void)[] = []
  #graph: LinkGraph | undefined
  readonly #clock: Clock
  readonly #routeTtlMs: number
  #closed = false

  constructor(args: CreateMeshArgs) {
    super()
    const options = args.options ?? {}
    const self = args.identity.peerId
    const clock = options.clock ?? systemClock()
    this.#clock = clock
    this.#routeTtlMs = options.routeTtlMs ?? 5000
    const log =
      options.log ?? ((message: string) => console.warn(`[mesh ${self.slice(0, 6)}] ${message}`))
    this.self = self
    this.#firstContact = new FirstContact(args.signaling, clock)
    this.#plan = new GroupPlan(self, options.maxLinks)
    this.#registry = new LinkRegistry(self, args.authorize ?? (() => true), log)
    this.#router = new Router({
      self,
      clock,
      log,
      links: () => this.#registry.links,
      members: (group) => this.#plan.group(group),
      randomBytes:
        options.randomBytes ??
        ((bytes) => crypto.getRandomValues(bytes as Uint8Array<ArrayBuffer>)),
      maxHops: options.maxHops ?? 8,
      routeTtlMs: this.#routeTtlMs,
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
      wanted: (peer) => this.#plan.wanted().has(peer),
      eager: (peer) => this.#plan.eager(peer),
      backoff: options.reconnectBackoff ?? {},
      glareDelayMs: options.glareDelayMs ?? 1500,
      dialTimeoutMs: options.dialTimeoutMs ?? 20_000,
      dialFailed: (peer, reason) => this.emit('dial-failed', { peer, reason }),
      present: (peer) => this.#firstContact.isPresent(peer),
      onSignaling: (peer) => this.#firstContact.reaches(peer),
      // A lost path is worth restarting while the peer is around: restart signals reach it.
      keepPath: (peer) => this.#firstContact.isPresent(peer) || this.#router.reachableAround(peer),
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
        this.#firstContact.linked(peer)
        this.emit('link-up', { peer, link })
        this.#replanSoon()
      }),
      registry.on('down', ({ peer, reason }) => {
        this.#attached.delete(peer)
        this.#router.linkDown(peer)
        this.emit('link-down', { peer, reason })
        this.#dialer.dropped(peer)
        this.#replanSoon()
      }),
      registry.on('frame', ({ link, channel, data }) => {
        if (channel === MESH_CHANNEL) this.#router.receive(link, data)
      }),
    )
    for (const signaling of [this.#firstContact.signaling, this.#meshSignaling]) {
      if (!signaling) continue
      this.#unsubscribe.push(
        signaling.on('pipe', ({ peer, pipe }) => this.#dialer.accept(peer, pipe)),
        signaling.on('peer-joined', ({ peer }) => {
          if (signaling === this.#firstContact.signaling) this.#firstContact.arrived(peer)
          // It came back (a reload, a new network): a link still restarting its old path is dead.
          if (this.#registry.links.get(peer)?.path === 'restarting') {
            this.#registry.close(peer, 'the peer reappeared on signaling')
          }
          this.#replanSoon()
          if (this.#plan.wanted().has(peer)) this.#dialer.retrySoon(peer)
        }),
        signaling.on('peer-left', ({ peer }) => {
          if (signaling === this.#firstContact.signaling) this.#firstContact.departed(peer)
          this.#replanSoon()
        }),
      )
    }
    this.#unsubscribe.push(
      this.#firstContact.signaling.on('state', (state) => {
        this.#replanSoon()
        if (state !== 'open') return
        for (const peer of this.#plan.wanted()) {
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
  #routesTo(peer: PeerId): Signaling[] {
    const routes: Signaling[] = []
    const mesh = this.#meshSignaling
    const viaMesh = mesh !== undefined && this.#registry.links.size > 0
    // A peer announced on first contact and not linked since may be a new instance (a reload):
    // a route the mesh learnt before may lead to the old one, and a dial that way would wait
    // out its answer timeout.
    const arrived =
      this.#firstContact.reaches(peer) && this.#firstContact.newlyArrived(peer, this.#routeTtlMs)
    if (viaMesh && !arrived && this.#router.reachable(peer)) routes.push(mesh)
    if (this.#firstContact.reaches(peer)) routes.push(this.#firstContact.signaling)
    if (viaMesh && !routes.includes(mesh)) routes.push(mesh)
    return routes
  }

  setGroup(groupId: GroupId, peers: readonly PeerId[], options: GroupOptions = {}): void {
    this.#plan.set(groupId, peers, options.eager ?? false)
    this.#replan()
    this.emit('group', { groupId, members: this.members(groupId) })
  }

  removeGroup(groupId: GroupId): void {
    if (!this.#plan.remove(groupId)) return
    this.#replan()
    this.emit('group', { groupId, members: [] })
  }

  members(groupId: GroupId): readonly PeerId[] {
    return [...(this.#plan.group(groupId) ?? [])].sort()
  }

  groups(): readonly GroupId[] {
    return this.#plan.groups()
  }

  neighbours(): readonly PeerId[] {
    return [...this.#plan.wanted()].sort()
  }

  join(topic: Topic): void {
    this.#firstContact.join(topic)
  }

  leave(topic: Topic): void {
    this.#firstContact.leave(topic)
  }

  send(peer: PeerId, channel: string, data: Uint8Array, order?: string): boolean {
    return !this.#closed && this.#router.send(peer, channel, data, order)
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
    for (const peer of this.#plan.wanted()) {
      if (!this.#registry.links.has(peer)) this.#dialer.retrySoon(peer)
    }
  }

  reauthorize(): void {
    for (const peer of this.#registry.reauthorize()) {
      if (this.#plan.wanted().has(peer)) this.#dialer.retrySoon(peer)
    }
  }

  attach(peer: PeerId, pipe: DataPipe, options: { dialedBySelf?: boolean } = {}): Promise<Link> {
    if (!isPeerId(peer)) {
      pipe.close('invalid peer ID')
      return Promise.reject(new Error(`invalid peer ID: ${String(peer).slice(0, 80)}`))
    }
    // Paired by hand: not the plan's link to drop, even if a group once wanted the peer.
    this.#plan.forget(peer)
    this.#attached.add(peer)
    return this.#dialer.accept(peer, pipe, options.dialedBySelf ? this.self : peer)
  }

  close(): void {
    if (this.#closed) return
    this.emit('closing', undefined)
    this.#closed = true
    this.#dialer.close()
    this.#registry.closeAll('local-close')
    for (const off of this.#unsubscribe) off()
    this.#firstContact.leaveAll()
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
    const present = this.#firstContact.present()
    if (!present) return new Set(members)
    const reachable = new Set(this.#router.reachablePeers())
    return new Set(
      [...members].filter((peer) => peer === this.self || present.has(peer) || reachable.has(peer)),
    )
  }

  /** Recomputes the wanted neighbours; dials new ones, drops links nobody needs any more. */
  #replan(): void {
    if (this.#closed) return
    const wanted = this.#plan.replan((members) => this.#around(members))
    // Every link, not only those of the peers wanted until now: a dial made while its peer was
    // wanted may come up after it stopped being. Links never made for a group (manual pairing)
    // are left alone.
    for (const peer of [...this.#registry.links.keys()]) {
      // Only the dialler drops a link, so a peer that still wants it keeps it.
      if (this.#attached.has(peer)) continue
      if (this.#plan.unwanted(peer) && this.#registry.dialedBy(peer) === this.self) {
        this.#plan.forget(peer)
        this.#registry.close(peer, 'no longer needed')
      }
    }
    for (const peer of wanted) this.#dialer.want(peer)
  }
}
