import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../ids.ts'
import { every, systemClock, type Clock, type ClockTimer } from '../../lib/clock.ts'
import type { Mesh } from './mesh.ts'
import { PRESENCE_CHANNEL, type GroupId } from './mesh-protocol.ts'
import {
  decodePresence,
  encodePresence,
  type PresenceMessage,
  type PresenceRecord,
} from './presence-protocol.ts'
import type { LinkGraph } from './link-graph.ts'
import { PresenceOutbox } from './presence-outbox.ts'
import { GroupRecords } from './presence-records.ts'
import { QuietLinks } from './quiet-links.ts'

export interface PresenceOptions {
  /** How often each peer sends each linked neighbour its digest (repairs lost gossip). Default 2000 ms. */
  readonly digestIntervalMs?: number
  /** Changes are gathered this long, then go out as one frame per neighbour. Default 100 ms. */
  readonly flushDelayMs?: number
  /** A peer that announced leaving but stays is announced again after this. Default 1000 ms. */
  readonly resumeAfterMs?: number
  /**
   * A linked member heard nothing from for this long is quiet: not responsive (no longer the
   * Syncer) though still online and linked. Default 1400 ms (links send a heartbeat a second).
   */
  readonly quietAfterMs?: number
  /** How often links are checked for quiet. Default 100 ms. */
  readonly quietCheckMs?: number
  readonly clock?: Clock
  readonly log?: (message: string) => void
}

interface PresenceEvents extends Record<string, unknown> {
  change: { groupId: GroupId; online: readonly PeerId[] }
}

/** Each peer's view of who is online in each of the mesh's groups. */
export interface Presence extends Pick<Emitter<PresenceEvents>, 'on' | 'off'>, LinkGraph {
  readonly self: PeerId
  /** Online members, self included, sorted by peer ID. */
  online(groupId: GroupId): readonly PeerId[]
  /**
   * Online members that answer, self included, sorted: those reached over links that neither
   * end has found quiet (see QuietLinks). The Syncer is elected among these, so a crashed one
   * hands over within the quiet time rather than the links' timeout, and a busy one that
   * speaks again takes the role back. 'change' fires when this or `online` changes.
   */
  responsive(groupId: GroupId): readonly PeerId[]
  isOnline(groupId: GroupId, peer: PeerId): boolean
  /** The links a member last announced within a group (for diagnostics and topology views). */
  neighboursOf(groupId: GroupId, peer: PeerId): readonly PeerId[]
  /**
   * Tells every group now that this peer leaves (e.g. its page is going away), so the others
   * need not wait for its links to drop. It is announced again if the peer stays.
   */
  announceLeaving(): void
  /** Announces that this peer leaves, then stops. */
  close(): void
}

export function createPresence(args: { mesh: Mesh; options?: PresenceOptions }): Presence {
  return new GossipPresence(args.mesh, args.options ?? {})
}

/**
 * Presence in O(links) per peer. Liveness is the links' business (their heartbeats); presence
 * only spreads who is linked to whom. Each member's record (its links within the group) is
 * versioned by its owner and gossiped between linked neighbours: changes are pushed once to
 * each neighbour that may lack them, and a periodic digest per link repairs anything missed.
 * A crashed member's neighbours lose their links to it and announce so; nothing leads to it
 * any more, and every peer calls it offline (see GroupRecords.online). The links are
 * authenticated and only members' gossip is taken, so records need no signature of their own.
 */
class GossipPresence extends Emitter<PresenceEvents> implements Presence {
  readonly self: PeerId
  readonly #mesh: Mesh
  readonly #clock: Clock
  readonly #resumeAfterMs: number
  readonly #log: (message: string) => void
  readonly #groups = new Map<GroupId, GroupRecords>()
  readonly #online = new Map<GroupId, readonly PeerId[]>()
  readonly #responsive = new Map<GroupId, readonly PeerId[]>()
  readonly #quiet: QuietLinks
  readonly #outbox: PresenceOutbox
  readonly #stop: (() => void)[] = []
  /** The last digest each neighbour sent, by "neighbour group". */
  readonly #digests = new Map<string, string>()
  /** Versions each neighbour is known to hold, by "neighbour group" and member. */
  readonly #known = new Map<string, Map<PeerId, number>>()
  #version: number
  #leaving = false
  #resumeTimer: ClockTimer | undefined
  #closed = false

  constructor(mesh: Mesh, options: PresenceOptions) {
    super()
    this.self = mesh.self
    this.#mesh = mesh
    this.#clock = options.clock ?? systemClock()
    this.#outbox = new PresenceOutbox({
      clock: this.#clock,
      flushDelayMs: options.flushDelayMs ?? 100,
      records: (group) => this.#groups.get(group),
      known: (neighbour, group, peer) => this.#known.get(`${neighbour} ${group}`)?.get(peer) ?? -1,
      send: (peer, message) => this.#send(peer, message),
    })
    this.#resumeAfterMs = options.resumeAfterMs ?? 1000
    this.#quiet = new QuietLinks({
      clock: this.#clock,
      quietAfterMs: options.quietAfterMs ?? 1400,
      checkEveryMs: options.quietCheckMs ?? 100,
      links: () => mesh.linkedPeers().map((peer) => [peer, mesh.linkTo(peer)] as const),
      onChange: () => this.#refreshOwn(),
    })
    this.#log = options.log ?? ((m) => console.warn(`[presence ${this.self.slice(0, 6)}] ${m}`))
    // Versions start from the clock, so a restarted peer's records outrank its earlier ones.
    this.#version = Math.floor(this.#clock.now())
    for (const groupId of mesh.groups()) this.#track(groupId, mesh.members(groupId))
    this.#stop.push(
      mesh.onMessage(PRESENCE_CHANNEL, (message) => this.#receive(message.from, message.data)),
      mesh.on('group', ({ groupId, members }) => this.#track(groupId, members)),
      mesh.on('link-up', ({ peer, link }) => {
        // A link whose path is lost vouches for nobody until it is back (see #vouched).
        link?.on('path', () => this.#refreshOwn())
        this.#linkChanged(peer, true)
      }),
      mesh.on('link-down', ({ peer }) => this.#linkChanged(peer, false)),
      mesh.on('closing', () => this.close()),
      every(this.#clock, options.digestIntervalMs ?? 2000, () => this.#sendDigests()),
      () => mesh.useLinkGraph(undefined),
      () => this.#quiet.close(),
    )
    mesh.useLinkGraph(this)
  }

  online(groupId: GroupId): readonly PeerId[] {
    return this.#online.get(groupId) ?? []
  }

  responsive(groupId: GroupId): readonly PeerId[] {
    return this.#responsive.get(groupId) ?? []
  }

  isOnline(groupId: GroupId, peer: PeerId): boolean {
    return this.online(groupId).includes(peer)
  }

  neighboursOf(groupId: GroupId, peer: PeerId): readonly PeerId[] {
    return this.#groups.get(groupId)?.get(peer)?.links ?? []
  }

  linksOf(peer: PeerId): readonly PeerId[] | undefined {
    let links: PeerId[] | undefined
    for (const records of this.#groups.values()) {
      const record = records.get(peer)
      if (!record || record.leaving) continue
      links = links ? [...new Set([...links, ...record.links])] : [...record.links]
    }
    return links
  }

  announceLeaving(): void {
    if (this.#closed) return
    this.#leaving = true
    this.#refreshOwn()
    this.#outbox.flush() // now: the page may be gone before any timer fires
    this.#clock.clearTimeout(this.#resumeTimer)
    this.#resumeTimer = this.#clock.setTimeout(() => {
      this.#leaving = false
      this.#refreshOwn()
    }, this.#resumeAfterMs)
  }

  close(): void {
    if (this.#closed) return
    this.announceLeaving()
    this.#closed = true
    this.#clock.clearTimeout(this.#resumeTimer)
    this.#outbox.close()
    for (const stop of this.#stop) stop()
    this.removeAllListeners()
  }

  #track(groupId: GroupId, members: readonly PeerId[]): void {
    if (members.length === 0) {
      this.#groups.delete(groupId)
      this.#online.delete(groupId)
      this.#responsive.delete(groupId)
      this.emit('change', { groupId, online: [] })
      return
    }
    const set = new Set([...members, this.self])
    const records = this.#groups.get(groupId)
    if (records) records.setMembers(set)
    else this.#groups.set(groupId, new GroupRecords(set))
    this.#refreshOwn()
    // Members may be new to us: ask the neighbours for what they hold.
    for (const peer of this.#linkedMembers(groupId)) this.#outbox.digest(peer, groupId)
    this.#update(groupId)
  }

  #linkChanged(peer: PeerId, up: boolean): void {
    this.#refreshOwn()
    if (!up) {
      for (const map of [this.#digests, this.#known]) {
        for (const key of [...map.keys()]) if (key.startsWith(`${peer} `)) map.delete(key)
      }
      return
    }
    for (const [groupId, records] of this.#groups) {
      if (records.members.has(peer)) this.#outbox.digest(peer, groupId)
    }
  }

  #linkedMembers(groupId: GroupId): PeerId[] {
    const members = this.#groups.get(groupId)?.members
    if (!members) return []
    return this.#mesh.linkedPeers().filter((peer) => peer !== this.self && members.has(peer))
  }

  /**
   * Linked members whose link is working. A link restarting a lost path stays open for a while
   * (an ICE restart may bring it back), but its peer may be gone: a crashed page's links fall
   * silent and restart until they give up, so they stop counting as soon as they go silent.
   */
  #vouched(groupId: GroupId): PeerId[] {
    return this.#linkedMembers(groupId).filter(
      (peer) => this.#mesh.linkTo(peer)?.path !== 'restarting',
    )
  }

  /** Raises this peer's own record in each group where its links or leaving state changed. */
  #refreshOwn(): void {
    if (this.#closed) return
    for (const [groupId, records] of this.#groups) {
      const links = this.#vouched(groupId).sort()
      const quiet = links.filter((peer) => this.#quiet.has(peer))
      const own = records.get(this.self)
      if (
        own &&
        own.leaving === this.#leaving &&
        own.links.join() === links.join() &&
        (own.quiet ?? []).join() === quiet.join()
      ) {
        this.#update(groupId)
        continue
      }
      this.#version = Math.max(this.#version + 1, Math.floor(this.#clock.now()))
      const record = { version: this.#version, links, leaving: this.#leaving }
      records.offer(this.self, quiet.length > 0 ? { ...record, quiet } : record)
      this.#spread(groupId, this.self, undefined)
      this.#update(groupId)
    }
  }

  #receive(from: PeerId, data: Uint8Array): void {
    if (this.#closed) return
    const decoded = decodePresence(data)
    if (!decoded.ok) {
      this.#log(`dropped presence message from ${from}: ${decoded.reason}`)
      return
    }
    const message = decoded.message
    const records = this.#groups.get(message.group)
    if (!records?.members.has(from)) return
    if (message.type === 'digest') {
      // Digests differ while changes are on their way: ask only when the neighbour knows more
      // members than we do (we are new), or when its digest stayed the same since its last one.
      const key = `${from} ${message.group}`
      const last = this.#digests.get(key)
      this.#digests.set(key, message.digest)
      if (message.digest === records.digest()) return
      if (message.count > records.size || last === message.digest) {
        this.#outbox.ask(from, message.group, true)
      }
    } else if (message.type === 'versions') {
      for (const [peer, version] of message.have) this.#learn(from, message.group, peer, version)
      for (const peer of records.newerThan(message.have).keys()) {
        this.#outbox.record(from, message.group, peer)
      }
      if (message.reply && records.behind(message.have)) {
        this.#outbox.ask(from, message.group, false)
      }
    } else {
      this.#take(from, message.group, records, message.records)
    }
  }

  #take(
    from: PeerId,
    groupId: GroupId,
    records: GroupRecords,
    incoming: ReadonlyMap<PeerId, PresenceRecord>,
  ): void {
    for (const [peer, record] of incoming) {
      this.#learn(from, groupId, peer, record.version)
      if (peer === this.self) {
        // A record of ours from an earlier run outranks this one's: outrank it in turn.
        const own = records.get(this.self)
        if (own && record.version >= own.version) {
          this.#version = record.version + 1
          records.offer(this.self, { ...own, version: this.#version })
          this.#spread(groupId, this.self, undefined)
        }
      } else if (records.offer(peer, record)) {
        this.#spread(groupId, peer, from)
      }
    }
    this.#update(groupId)
  }

  /** Notes that `neighbour` holds `peer`'s record at `version` at least. */
  #learn(neighbour: PeerId, groupId: GroupId, peer: PeerId, version: number): void {
    const key = `${neighbour} ${groupId}`
    let known = this.#known.get(key)
    if (!known) this.#known.set(key, (known = new Map()))
    if (version > (known.get(peer) ?? -1)) known.set(peer, version)
  }

  /** Queues `peer`'s record for every linked member but the one it came from (and itself). */
  #spread(groupId: GroupId, peer: PeerId, from: PeerId | undefined): void {
    for (const neighbour of this.#linkedMembers(groupId)) {
      if (neighbour !== from && neighbour !== peer) this.#outbox.record(neighbour, groupId, peer)
    }
  }

  #sendDigests(): void {
    for (const [groupId, records] of this.#groups) {
      for (const peer of this.#linkedMembers(groupId)) {
        const digest = records.digest()
        this.#send(peer, { type: 'digest', group: groupId, digest, count: records.size })
      }
    }
  }

  #send(peer: PeerId, message: PresenceMessage): void {
    try {
      this.#mesh.send(peer, PRESENCE_CHANNEL, encodePresence(message))
    } catch (error) {
      this.#log(`presence ${message.type} to ${peer} not sent: ${String(error)}`)
    }
  }

  /** Recomputes who is online in `groupId` and tells listeners when that changed. */
  #update(groupId: GroupId): void {
    if (this.#closed) return
    const records = this.#groups.get(groupId)
    if (!records) return
    const vouched = this.#vouched(groupId)
    const online = records.online(this.self, vouched)
    const answering = vouched.filter((peer) => !this.#quiet.has(peer))
    const responsive = records.responsive(this.self, answering)
    const same = (a: readonly PeerId[] | undefined, b: readonly PeerId[]) =>
      a?.length === b.length && a.every((p, i) => p === b[i])
    if (same(this.#online.get(groupId), online) && same(this.#responsive.get(groupId), responsive))
      return
    this.#online.set(groupId, online)
    this.#responsive.set(groupId, responsive)
    this.emit('change', { groupId, online })
  }
}
