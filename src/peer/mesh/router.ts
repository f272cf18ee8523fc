import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { Clock } from '../../lib/clock.ts'
import {
  decodeEnvelope,
  encodeEnvelope,
  newMessageId,
  MAX_TTL,
  MESH_CHANNEL,
  type GroupId,
  type RouteEnvelope,
} from './mesh-protocol.ts'
import { broadcastTree, nextHopTo, reachableFrom, type LinkGraph } from './link-graph.ts'
import { RouteTable } from './route-table.ts'
import { SeenCache } from './seen-cache.ts'

/** A message the mesh delivered. `hops` is 1 when it came straight from `from`. */
export interface MeshMessage {
  readonly from: PeerId
  readonly data: Uint8Array
  readonly hops: number
  /** Set for a group broadcast. */
  readonly group?: GroupId
}

export type MeshMessageHandler = (message: MeshMessage) => void

export interface RouterDeps {
  readonly self: PeerId
  readonly clock: Clock
  /** Open links by remote peer. */
  readonly links: () => ReadonlyMap<PeerId, Link>
  /** Members of a group as this peer knows them, or undefined for a group it is not in. */
  readonly members: (group: GroupId) => ReadonlySet<PeerId> | undefined
  readonly randomBytes: (bytes: Uint8Array) => void
  readonly log: (message: string) => void
  /** Hops a message may travel. */
  readonly maxHops: number
  /** How long a learnt route (and "reachable over the mesh") stays valid. */
  readonly routeTtlMs: number
  /** Who is linked to whom (from presence), when known: for routes and broadcast trees. */
  readonly graph: () => LinkGraph | undefined
}

/** A link whose peer sends this many invalid mesh frames is closed. */
const MAX_INVALID_FRAMES = 50

/**
 * Moves route envelopes: sends, forwards hop by hop (de-duplicated by message ID, bounded by
 * TTL), and hands messages for this peer to the handlers of their channel.
 */
export class Router {
  readonly #deps: RouterDeps
  readonly #seen: SeenCache
  readonly #routes: RouteTable
  readonly #handlers = new Map<string, Set<MeshMessageHandler>>()
  readonly #invalid = new WeakMap<Link, number>()

  constructor(deps: RouterDeps) {
    this.#deps = deps
    this.#seen = new SeenCache(deps.clock)
    this.#routes = new RouteTable(deps.clock, deps.routeTtlMs)
  }

  onMessage(channel: string, handler: MeshMessageHandler): () => void {
    let set = this.#handlers.get(channel)
    if (!set) this.#handlers.set(channel, (set = new Set()))
    set.add(handler)
    return () => set.delete(handler)
  }

  /**
   * Sends to one peer, directly or through the mesh; false when no link could take it. Messages
   * of one channel and `order` leave each link in the order sent (see Link.send).
   */
  send(to: PeerId, channel: string, data: Uint8Array, order?: string): boolean {
    if (to === this.#deps.self) return false
    return this.#unicast(this.#originate({ to, channel, payload: data }), undefined, order)
  }

  /** Floods to every member of a group; false when no member is linked. */
  broadcast(group: GroupId, channel: string, data: Uint8Array): boolean {
    const members = this.#deps.members(group)
    if (!members) throw new Error(`not in group ${group}`)
    return this.#flood(this.#originate({ group, channel, payload: data }), members, undefined) > 0
  }

  /** Peers this one is linked to or has heard from recently through the mesh. */
  reachable(peer: PeerId): boolean {
    return (
      this.#deps.links().has(peer) ||
      this.#routes.nextHop(peer) !== undefined ||
      this.#graphHop(peer) !== undefined
    )
  }

  /**
   * Heard from recently through some other neighbour than the peer itself. Only what was heard
   * counts: announced links are no sign of life (the neighbours of a crashed peer still list it
   * until their own links to it time out, and each would keep the other's hopes up).
   */
  reachableAround(peer: PeerId): boolean {
    return this.#routes.nextHop(peer, peer) !== undefined
  }

  /** The next hop to `peer` over the announced links, avoiding `except`. */
  #graphHop(peer: PeerId, except?: PeerId): PeerId | undefined {
    const graph = this.#deps.graph()
    if (!graph) return undefined
    return nextHopTo(graph, this.#deps.self, this.#deps.links().keys(), peer, except)
  }

  /** Peers linked, heard from recently, or led to by announced links. */
  reachablePeers(): PeerId[] {
    const links = this.#deps.links().keys()
    const graph = this.#deps.graph()
    const reached = graph ? reachableFrom(graph, this.#deps.self, links) : new Set(links)
    for (const peer of this.#routes.peers()) reached.add(peer)
    return [...reached]
  }

  linkDown(peer: PeerId): void {
    this.#routes.forgetVia(peer)
  }

  /** Handles one frame that arrived on a link's mesh channel. */
  receive(link: Link, frame: Uint8Array): void {
    const decoded = decodeEnvelope(frame)
    if (!decoded.ok) {
      this.#reject(link, decoded.reason)
      return
    }
    const envelope = decoded.envelope
    const via = link.remote
    if (envelope.from === this.#deps.self) return
    if (envelope.hops === 1 && envelope.from !== via) {
      this.#reject(link, 'first hop not from its sender')
      return
    }
    const members = envelope.group === undefined ? undefined : this.#deps.members(envelope.group)
    if (envelope.group !== undefined) {
      if (!members || !members.has(via) || !members.has(envelope.from)) {
        this.#deps.log(`dropped broadcast for ${envelope.group} from a non-member`)
        return
      }
    }
    this.#routes.learn(envelope.from, via, envelope.hops)
    if (!this.#seen.add(envelope.id)) return
    if (members) {
      this.#deliver(envelope)
      this.#flood(this.#nextHop(envelope), members, via)
    } else if (envelope.to === this.#deps.self) {
      this.#deliver(envelope)
    } else {
      this.#unicast(this.#nextHop(envelope), via)
    }
  }

  #originate(fields: Pick<RouteEnvelope, 'to' | 'group' | 'channel' | 'payload'>): RouteEnvelope {
    const id = newMessageId(this.#deps.randomBytes)
    this.#seen.add(id)
    const ttl = Math.min(MAX_TTL, this.#deps.maxHops - 1)
    return { ...fields, id, from: this.#deps.self, ttl, hops: 1 } as RouteEnvelope
  }

  /** The envelope as the next hop receives it, or undefined when its TTL is spent. */
  #nextHop(envelope: RouteEnvelope): RouteEnvelope | undefined {
    if (envelope.ttl <= 0) return undefined
    return { ...envelope, ttl: envelope.ttl - 1, hops: envelope.hops + 1 }
  }

  #unicast(
    envelope: RouteEnvelope | undefined,
    cameFrom: PeerId | undefined,
    order?: string,
  ): boolean {
    if (!envelope || envelope.to === undefined) return false
    const links = this.#deps.links()
    const direct = links.get(envelope.to)
    // A direct link restarting its path would only queue the message: go around it, if we can.
    if (direct && direct.path !== 'restarting') return this.#transmit(direct, envelope, order)
    const avoid = direct ? envelope.to : cameFrom
    const via = this.#routes.nextHop(envelope.to, avoid) ?? this.#graphHop(envelope.to, avoid)
    const next = via !== undefined && via !== cameFrom ? links.get(via) : undefined
    if (next && this.#transmit(next, envelope, order)) return true
    // No known route: flood it (and queue it on a restarting direct link); de-duplication
    // stops the copies.
    let sent = 0
    for (const [peer, link] of links) {
      if (peer !== cameFrom && peer !== envelope.from && this.#transmit(link, envelope, order)) {
        sent++
      }
    }
    return sent > 0
  }

  #flood(
    envelope: RouteEnvelope | undefined,
    members: ReadonlySet<PeerId>,
    cameFrom: PeerId | undefined,
  ): number {
    if (!envelope) return 0
    // Down the origin's spanning tree when the links are known (one copy per member), else to
    // every linked member (duplicates stop at the seen cache).
    const graph = this.#deps.graph()
    const tree = graph && broadcastTree(graph, envelope.from, members)
    const self = this.#deps.self
    const inTree = tree?.has(self) ?? false
    let sent = 0
    for (const [peer, link] of this.#deps.links()) {
      if (peer === cameFrom || peer === envelope.from || !members.has(peer)) continue
      if (inTree && tree?.has(peer) && tree.get(peer) !== self) continue
      if (this.#transmit(link, envelope)) sent++
    }
    return sent
  }

  /**
   * Envelopes of one inner channel (and `order`, given by their sender) keep their order on the
   * link; those of other channels may pass them (a chat push, a long sync message).
   */
  #transmit(link: Link, envelope: RouteEnvelope, order?: string): boolean {
    try {
      const lane = `${MESH_CHANNEL}/${envelope.channel}/${order ?? ''}`
      link.send(MESH_CHANNEL, encodeEnvelope(envelope), lane)
      return true
    } catch (error) {
      this.#deps.log(`send to ${link.remote} failed: ${String(error)}`)
      return false
    }
  }

  #deliver(envelope: RouteEnvelope): void {
    const message: MeshMessage = {
      from: envelope.from,
      data: envelope.payload,
      hops: envelope.hops,
      ...(envelope.group !== undefined ? { group: envelope.group } : {}),
    }
    for (const handler of [...(this.#handlers.get(envelope.channel) ?? [])]) {
      try {
        handler(message)
      } catch (error) {
        this.#deps.log(`handler for ${envelope.channel} failed: ${String(error)}`)
      }
    }
  }

  #reject(link: Link, reason: string): void {
    const count = (this.#invalid.get(link) ?? 0) + 1
    this.#invalid.set(link, count)
    this.#deps.log(`dropped invalid mesh frame from ${link.remote}: ${reason}`)
    if (count >= MAX_INVALID_FRAMES) link.close('too many invalid mesh frames')
  }
}
