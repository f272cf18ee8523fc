import { Emitter } from '../../lib/emitter.ts'
import { isPeerId, type PeerId, type Topic } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { DataPipe } from '../transport/pipe.ts'
import type { GroupOptions, Mesh, MeshEvents } from './mesh.ts'
import { isGroupId, type GroupId } from './mesh-protocol.ts'
import type { LinkGraph } from './link-graph.ts'
import type { MeshMessageHandler } from './router.ts'

interface Subscription {
  readonly channel: string
  readonly handler: MeshMessageHandler
  /** Unsubscribes from the running mesh, if any. */
  off: (() => void) | undefined
}

/**
 * A Mesh whose network can stop and start again, for a tab that hands the device's network to
 * another tab and may take it back. It remembers what the layers above asked for (groups,
 * topics, message handlers) and replays it into each mesh it runs; stopped, it has no links
 * and sends nothing. Its own identity (events, groups) stays, so presence and the document
 * layer are built once over it.
 */
export class ResumableMesh extends Emitter<MeshEvents> implements Mesh {
  readonly self: PeerId
  readonly #groups = new Map<GroupId, readonly PeerId[]>()
  readonly #groupOptions = new Map<GroupId, GroupOptions>()
  readonly #topics = new Set<Topic>()
  readonly #subscriptions = new Set<Subscription>()
  #inner: { mesh: Mesh; unsubscribe: () => void } | undefined
  #graph: LinkGraph | undefined
  #closed = false

  constructor(self: PeerId) {
    super()
    this.self = self
  }

  /** Whether a mesh is running. */
  get running(): boolean {
    return this.#inner !== undefined
  }

  /** Runs `mesh` (a fresh one, with no groups yet): replays groups, topics and handlers. */
  run(mesh: Mesh): void {
    if (this.#closed) {
      mesh.close()
      return
    }
    this.stop()
    const offs = [
      mesh.on('link-up', (event) => this.emit('link-up', event)),
      mesh.on('link-down', (event) => this.emit('link-down', event)),
      mesh.on('dial-failed', (event) => this.emit('dial-failed', event)),
    ]
    this.#inner = { mesh, unsubscribe: () => offs.forEach((off) => off()) }
    mesh.useLinkGraph(this.#graph)
    for (const subscription of this.#subscriptions) this.#subscribe(mesh, subscription)
    for (const [groupId, peers] of this.#groups) {
      mesh.setGroup(groupId, peers, this.#groupOptions.get(groupId))
    }
    for (const topic of this.#topics) mesh.join(topic)
  }

  /** Closes the running mesh (its links go down, announced as usual) and keeps the rest. */
  stop(): void {
    const inner = this.#inner
    if (!inner) return
    inner.mesh.close()
    inner.unsubscribe()
    this.#inner = undefined
    for (const subscription of this.#subscriptions) subscription.off = undefined
  }

  useLinkGraph(graph: LinkGraph | undefined): void {
    this.#graph = graph
    this.#inner?.mesh.useLinkGraph(graph)
  }

  setGroup(groupId: GroupId, peers: readonly PeerId[], options: GroupOptions = {}): void {
    if (!isGroupId(groupId)) throw new Error(`invalid group ID: ${String(groupId).slice(0, 80)}`)
    const bad = peers.find((peer) => !isPeerId(peer))
    if (bad !== undefined) throw new Error(`invalid peer ID in group: ${String(bad).slice(0, 80)}`)
    this.#groups.set(groupId, [...peers])
    this.#groupOptions.set(groupId, options)
    this.#inner?.mesh.setGroup(groupId, peers, options)
    this.emit('group', { groupId, members: this.members(groupId) })
  }

  removeGroup(groupId: GroupId): void {
    if (!this.#groups.delete(groupId)) return
    this.#groupOptions.delete(groupId)
    this.#inner?.mesh.removeGroup(groupId)
    this.emit('group', { groupId, members: [] })
  }

  members(groupId: GroupId): readonly PeerId[] {
    const peers = this.#groups.get(groupId)
    return peers ? [...new Set([...peers, this.self])].sort() : []
  }

  groups(): readonly GroupId[] {
    return [...this.#groups.keys()]
  }

  neighbours(): readonly PeerId[] {
    return this.#inner?.mesh.neighbours() ?? []
  }

  join(topic: Topic): void {
    this.#topics.add(topic)
    this.#inner?.mesh.join(topic)
  }

  leave(topic: Topic): void {
    this.#topics.delete(topic)
    this.#inner?.mesh.leave(topic)
  }

  send(peer: PeerId, channel: string, data: Uint8Array, order?: string): boolean {
    return this.#inner?.mesh.send(peer, channel, data, order) ?? false
  }

  broadcast(groupId: GroupId, channel: string, data: Uint8Array): boolean {
    return this.#inner?.mesh.broadcast(groupId, channel, data) ?? false
  }

  onMessage(channel: string, handler: MeshMessageHandler): () => void {
    const subscription: Subscription = { channel, handler, off: undefined }
    this.#subscriptions.add(subscription)
    if (this.#inner) this.#subscribe(this.#inner.mesh, subscription)
    return () => {
      this.#subscriptions.delete(subscription)
      subscription.off?.()
    }
  }

  links(): readonly Link[] {
    return this.#inner?.mesh.links() ?? []
  }

  linkedPeers(): readonly PeerId[] {
    return this.#inner?.mesh.linkedPeers() ?? []
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
    return this.#inner?.mesh.linkTo(peer)
  }

  reachable(peer: PeerId): boolean {
    return this.#inner?.mesh.reachable(peer) ?? false
  }

  reconnectNow(): void {
    this.#inner?.mesh.reconnectNow()
  }

  reauthorize(): void {
    this.#inner?.mesh.reauthorize()
  }

  attach(peer: PeerId, pipe: DataPipe, options?: { dialedBySelf?: boolean }): Promise<Link> {
    if (!this.#inner) {
      pipe.close('the network is not running in this tab')
      return Promise.reject(new Error('the network is not running in this tab'))
    }
    return this.#inner.mesh.attach(peer, pipe, options)
  }

  close(): void {
    if (this.#closed) return
    this.emit('closing', undefined)
    this.#closed = true
    this.stop()
    this.#subscriptions.clear()
    this.removeAllListeners()
  }

  #subscribe(mesh: Mesh, subscription: Subscription): void {
    subscription.off = mesh.onMessage(subscription.channel, subscription.handler)
  }
}
