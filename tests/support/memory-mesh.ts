import type { PeerId, Topic } from '../../src/peer/ids.ts'
import type { MeshPort, PeerMessageHandler, PeerPresence } from '../../src/peer/mesh/mesh-port.ts'
import { MESH_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'
import { electSyncer } from '../../src/peer/mesh/syncer.ts'

/**
 * Delivers a message on a later turn of the event loop, as a real link does (taken at import,
 * before any test fakes timers). On microtasks, two peers that keep answering each other would
 * never let a timer run: no deadline could fire and the whole test process would hang.
 */
const later = globalThis.setImmediate

type LinkChangeHandler = (change: { peer: PeerId; up: boolean }) => void

export interface MemoryMeshHubOptions {
  /**
   * Link peers that want each other in a group (both authorizing it), as the mesh's dialling
   * would. Default true; false: only `link` makes links.
   */
  readonly dial?: boolean
}

/**
 * The in-memory stand-in for the mesh every feature's unit tests use (MeshPort, checked
 * against the real mesh by tests/unit/mesh-port-contract.test.ts). Links are pairs in the hub;
 * routed messages follow any path of links, link-only and bulk messages need the direct link
 * and are lost when it drops before they arrive. Online in a group: self and the group's
 * members this peer reaches over links.
 */
export class MemoryMeshHub {
  readonly meshes = new Map<PeerId, MemoryMesh>()
  /** Open links by pair key; the number tells one link from a later one of the same pair. */
  readonly #links = new Map<string, number>()
  #epoch = 0
  readonly #dial: boolean
  /** Channels whose messages are dropped, to tell one protocol's effect from another's. */
  readonly muted = new Set<string>()
  /** Loses a routed message when it returns true, as a link that fails mid-message would. */
  lose: (message: { from: PeerId; to: PeerId; channel: string; data: Uint8Array }) => boolean =
    () => false

  constructor(options: MemoryMeshHubOptions = {}) {
    this.#dial = options.dial ?? true
  }

  add(self: PeerId): MemoryMesh {
    const mesh = new MemoryMesh(this, self)
    this.meshes.set(self, mesh)
    return mesh
  }

  remove(peer: PeerId): void {
    for (const other of this.meshes.keys()) this.unlink(peer, other)
    this.meshes.delete(peer)
  }

  linked(a: PeerId, b: PeerId): boolean {
    return this.#links.has(key(a, b))
  }

  /** The current link of a pair (a number), or undefined. */
  linkOf(a: PeerId, b: PeerId): number | undefined {
    return this.#links.get(key(a, b))
  }

  /**
   * Links two peers if both authorize it; `force` skips authorization (a link another group
   * of the device keeps, e.g. a direct contact who is no member of the workplace).
   */
  link(a: PeerId, b: PeerId, options: { force?: boolean } = {}): void {
    const ma = this.meshes.get(a)
    const mb = this.meshes.get(b)
    if (a === b || !ma || !mb || this.linked(a, b)) return
    if (!options.force && (!ma.authorize(b) || !mb.authorize(a))) return
    this.#links.set(key(a, b), ++this.#epoch)
    ma.linkChanged(b, true)
    mb.linkChanged(a, true)
    this.#reachabilityChanged()
  }

  unlink(a: PeerId, b: PeerId): void {
    if (!this.#links.delete(key(a, b))) return
    this.meshes.get(a)?.linkChanged(b, false)
    this.meshes.get(b)?.linkChanged(a, false)
    this.#reachabilityChanged()
  }

  neighbours(peer: PeerId): PeerId[] {
    return [...this.meshes.keys()].filter((other) => this.linked(peer, other))
  }

  /** Whether a path of links leads from one peer to the other. */
  route(from: PeerId, to: PeerId): boolean {
    const seen = new Set([from])
    const queue = [from]
    while (queue.length > 0) {
      const at = queue.shift()!
      if (at === to) return true
      for (const next of this.neighbours(at)) {
        if (seen.has(next)) continue
        seen.add(next)
        queue.push(next)
      }
    }
    return false
  }

  /** Links every pair where one side wants the other (when the hub dials). */
  settle(): void {
    if (!this.#dial) return
    for (const mesh of this.meshes.values()) {
      for (const peer of mesh.wanted()) if (this.meshes.has(peer)) this.link(mesh.self, peer)
    }
  }

  #reachabilityChanged(): void {
    for (const mesh of [...this.meshes.values()]) mesh.poke()
  }
}

/** One device's view of the in-memory mesh. */
export class MemoryMesh implements MeshPort {
  readonly self: PeerId
  readonly hub: MemoryMeshHub
  readonly presence: PeerPresence
  /** The groups this device set, as it set them. */
  readonly groups = new Map<string, readonly PeerId[]>()
  /** The groups last set `eager` (dialled at once whatever the ID order). */
  readonly eagerGroups = new Set<string>()
  /** The first-contact topics this device joined. */
  readonly topics = new Set<Topic>()
  authorize: (peer: PeerId) => boolean = () => true
  /** MeshPort.openRawChannel: absent (no such channels) unless a test sets it. */
  openRawChannel?: (peer: PeerId, label: string) => RTCDataChannel | undefined
  readonly #routed = new Map<string, Set<PeerMessageHandler>>()
  readonly #linked = new Map<string, Set<PeerMessageHandler>>()
  readonly #linkHandlers = new Set<LinkChangeHandler>()
  readonly #onlineHandlers = new Set<(group: string) => void>()
  readonly #topicHandlers = new Set<() => void>()
  readonly #topicPeers = new Map<Topic, Set<PeerId>>()

  constructor(hub: MemoryMeshHub, self: PeerId) {
    this.hub = hub
    this.self = self
    const online = (group: string): readonly PeerId[] => {
      const members = this.groups.get(group)
      if (!members) return []
      const others = members.filter((p) => p !== self && hub.route(self, p))
      return [...new Set([self, ...others])].sort()
    }
    this.presence = {
      linkedPeers: () => hub.neighbours(self),
      isLinked: (peer) => hub.linked(self, peer),
      onLinkChange: (handler) => subscribe(this.#linkHandlers, handler),
      online,
      syncer: (group) => electSyncer(self, online(group)),
      onOnlineChange: (handler) => subscribe(this.#onlineHandlers, handler),
      topicPeers: (topic) => [...(this.#topicPeers.get(topic) ?? [])],
      onTopicChange: (handler) => subscribe(this.#topicHandlers, handler),
    }
  }

  /** The peers this device wants links to, over all its groups. */
  wanted(): Set<PeerId> {
    return new Set([...this.groups.values()].flat())
  }

  send(peer: PeerId, channel: string, data: Uint8Array): boolean {
    // As the mesh's router: a message for a peer no path leads to is still flooded, and lost.
    if (peer === this.self || this.hub.neighbours(this.self).length === 0) return false
    if (!this.hub.route(this.self, peer)) return true
    if (this.hub.muted.has(channel)) return true
    if (this.hub.lose({ from: this.self, to: peer, channel, data })) return true
    const copy = data.slice()
    later(() => this.hub.meshes.get(peer)?.deliver(this.self, channel, copy))
    return true
  }

  onMessage(channel: string, handler: PeerMessageHandler): () => void {
    return subscribe(channelSet(this.#routed, channel), handler)
  }

  sendLinked(peer: PeerId, channel: string, data: Uint8Array): boolean {
    reserved(channel)
    const link = this.hub.linkOf(this.self, peer)
    if (link === undefined) return false
    if (!this.hub.muted.has(channel)) this.#overLink(link, peer, channel, data.slice())
    return true
  }

  onLinkMessage(channel: string, handler: PeerMessageHandler): () => void {
    reserved(channel)
    return subscribe(channelSet(this.#linked, channel), handler)
  }

  sendBulk(peer: PeerId, channel: string, data: Uint8Array): Promise<void> {
    reserved(channel)
    const link = this.hub.linkOf(this.self, peer)
    if (link === undefined) return Promise.reject(new Error(`no link to ${peer}`))
    if (!this.hub.muted.has(channel)) this.#overLink(link, peer, channel, data.slice())
    // Resolves once the far end had its turn: a sender awaiting it is paced like a full buffer.
    return new Promise((resolve) => later(resolve))
  }

  setGroup(group: string, peers: readonly PeerId[], options?: { eager?: boolean }): void {
    this.groups.set(group, [...peers])
    if (options?.eager) this.eagerGroups.add(group)
    else this.eagerGroups.delete(group)
    this.poke(group)
    queueMicrotask(() => this.hub.settle())
  }

  removeGroup(group: string): void {
    if (this.groups.delete(group)) this.poke(group)
  }

  join(topic: Topic): void {
    this.topics.add(topic)
  }

  leave(topic: Topic): void {
    this.topics.delete(topic)
  }

  reauthorize(): void {
    for (const peer of this.presence.linkedPeers()) {
      if (!this.authorize(peer)) this.hub.unlink(this.self, peer)
    }
  }

  /** Tells online-change listeners that a group's (or every group's) online members may differ. */
  poke(group?: string): void {
    const groups = group === undefined ? [...this.groups.keys()] : [group]
    for (const g of groups) for (const handler of [...this.#onlineHandlers]) handler(g)
  }

  /** Sets who is present in a first-contact topic, as the signaling server would report. */
  setTopicPeer(topic: Topic, peer: PeerId, present: boolean): void {
    let peers = this.#topicPeers.get(topic)
    if (!peers) this.#topicPeers.set(topic, (peers = new Set()))
    if (present) peers.add(peer)
    else peers.delete(peer)
    for (const handler of [...this.#topicHandlers]) handler()
  }

  /** Hands a routed message to this device's handlers (tests wrap it to lose messages). */
  deliver(from: PeerId, channel: string, data: Uint8Array): void {
    this.#receive('routed', from, channel, data)
  }

  /** Called by the hub. */
  linkChanged(peer: PeerId, up: boolean): void {
    for (const handler of [...this.#linkHandlers]) handler({ peer, up })
  }

  #overLink(link: number, peer: PeerId, channel: string, data: Uint8Array): void {
    later(() => {
      const to = this.hub.meshes.get(peer)
      if (to && this.hub.linkOf(this.self, peer) === link)
        to.#receive('linked', this.self, channel, data)
    })
  }

  #receive(lane: 'routed' | 'linked', from: PeerId, channel: string, data: Uint8Array): void {
    const handlers = (lane === 'routed' ? this.#routed : this.#linked).get(channel)
    for (const handler of [...(handlers ?? [])]) handler({ from, data })
  }
}

/** As the real port: the mesh's own link channel is not a feature's to read or write. */
function reserved(channel: string): void {
  if (channel === MESH_CHANNEL) throw new Error(`link channel "${channel}" is the mesh's own`)
}

function channelSet<T>(map: Map<string, Set<T>>, channel: string): Set<T> {
  let set = map.get(channel)
  if (!set) map.set(channel, (set = new Set()))
  return set
}

function subscribe<T>(set: Set<T>, handler: T): () => void {
  set.add(handler)
  return () => void set.delete(handler)
}

function key(a: PeerId, b: PeerId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}
