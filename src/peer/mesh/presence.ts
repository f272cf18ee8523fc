import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../ids.ts'
import { every, systemClock, type Clock } from '../../lib/clock.ts'
import type { Mesh } from './mesh.ts'
import { decodeBeacon, encodeBeacon, PRESENCE_CHANNEL, type GroupId } from './mesh-protocol.ts'

export interface PresenceOptions {
  /** How often each peer floods its beacon. Default 1000 ms. */
  readonly intervalMs?: number
  /** A peer unheard for this long is offline. Default 3000 ms. */
  readonly offlineAfterMs?: number
  /**
   * After our direct link to a peer drops, it is offline unless heard within this time
   * (through another path). Default 1.5 × intervalMs.
   */
  readonly afterLinkLossMs?: number
  readonly clock?: Clock
  readonly log?: (message: string) => void
}

interface PresenceEvents extends Record<string, unknown> {
  change: { groupId: GroupId; online: readonly PeerId[] }
}

/** Each peer's view of who is online in each of the mesh's groups. */
export interface Presence extends Pick<Emitter<PresenceEvents>, 'on' | 'off'> {
  readonly self: PeerId
  /** Online members, self included, sorted by peer ID. */
  online(groupId: GroupId): readonly PeerId[]
  isOnline(groupId: GroupId, peer: PeerId): boolean
  /** The direct neighbours a peer last announced (for diagnostics and topology views). */
  neighboursOf(groupId: GroupId, peer: PeerId): readonly PeerId[]
  /**
   * Tells every group now that this peer leaves (e.g. its page is going away), so the others
   * need not wait for it to fall silent. Beacons resume as usual if the peer stays.
   */
  announceLeaving(): void
  /** Announces that this peer leaves, then stops. */
  close(): void
}

interface Heard {
  deadline: number
  neighbours: readonly PeerId[]
}

export function createPresence(args: { mesh: Mesh; options?: PresenceOptions }): Presence {
  return new MeshPresence(args.mesh, args.options ?? {})
}

/**
 * Every interval each peer floods a small beacon (sequence number, direct neighbours) to each
 * of its groups over the mesh. The links are authenticated and the mesh only forwards group
 * broadcasts between members, so a beacon needs no signature of its own.
 */
class MeshPresence extends Emitter<PresenceEvents> implements Presence {
  readonly self: PeerId
  readonly #mesh: Mesh
  readonly #clock: Clock
  readonly #intervalMs: number
  readonly #offlineAfterMs: number
  readonly #afterLinkLossMs: number
  readonly #log: (message: string) => void
  readonly #heard = new Map<GroupId, Map<PeerId, Heard>>()
  readonly #online = new Map<GroupId, readonly PeerId[]>()
  /** Highest sequence number seen per group and peer; senders start from their clock. */
  readonly #lastSeq = new Map<GroupId, Map<PeerId, number>>()
  readonly #stop: (() => void)[] = []
  #seq: number
  #nextBeaconAt = 0
  readonly #tickMs: number
  #lastTickAt = 0
  #closed = false

  constructor(mesh: Mesh, options: PresenceOptions) {
    super()
    this.self = mesh.self
    this.#mesh = mesh
    this.#clock = options.clock ?? systemClock()
    this.#intervalMs = options.intervalMs ?? 1000
    this.#offlineAfterMs = options.offlineAfterMs ?? 3000
    this.#afterLinkLossMs = options.afterLinkLossMs ?? 1.5 * this.#intervalMs
    this.#tickMs = Math.min(250, this.#intervalMs / 4)
    this.#log = options.log ?? ((m) => console.warn(`[presence ${this.self.slice(0, 6)}] ${m}`))
    this.#seq = Math.floor(this.#clock.now())
    for (const groupId of mesh.groups()) this.#track(groupId, mesh.members(groupId))
    this.#stop.push(
      mesh.onMessage(PRESENCE_CHANNEL, (message) => this.#receive(message)),
      mesh.on('group', ({ groupId, members }) => this.#track(groupId, members)),
      mesh.on('link-up', () => (this.#nextBeaconAt = 0)),
      mesh.on('link-down', ({ peer }) => this.#linkLost(peer)),
      mesh.on('closing', () => this.close()),
      every(this.#clock, this.#tickMs, () => this.#tick()),
    )
  }

  online(groupId: GroupId): readonly PeerId[] {
    return this.#online.get(groupId) ?? []
  }

  isOnline(groupId: GroupId, peer: PeerId): boolean {
    return this.online(groupId).includes(peer)
  }

  neighboursOf(groupId: GroupId, peer: PeerId): readonly PeerId[] {
    return this.#heard.get(groupId)?.get(peer)?.neighbours ?? []
  }

  announceLeaving(): void {
    if (this.#closed) return
    for (const groupId of this.#heard.keys()) this.#beacon(groupId, true)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const groupId of this.#heard.keys()) this.#beacon(groupId, true)
    for (const stop of this.#stop) stop()
    this.removeAllListeners()
  }

  #track(groupId: GroupId, members: readonly PeerId[]): void {
    if (members.length === 0) {
      this.#heard.delete(groupId)
      this.#lastSeq.delete(groupId)
      this.#online.delete(groupId)
      this.emit('change', { groupId, online: [] })
      return
    }
    const heard = this.#heard.get(groupId) ?? new Map<PeerId, Heard>()
    const lastSeq = this.#lastSeq.get(groupId) ?? new Map<PeerId, number>()
    this.#heard.set(groupId, heard)
    this.#lastSeq.set(groupId, lastSeq)
    for (const peer of heard.keys()) if (!members.includes(peer)) heard.delete(peer)
    for (const peer of lastSeq.keys()) if (!members.includes(peer)) lastSeq.delete(peer)
    this.#nextBeaconAt = 0
    this.#update(groupId)
  }

  #tick(): void {
    const now = this.#clock.now()
    const stalled = this.#lastTickAt > 0 && now - this.#lastTickAt > this.#tickMs * 2 + 250
    this.#lastTickAt = now
    if (now >= this.#nextBeaconAt) {
      this.#nextBeaconAt = now + this.#intervalMs
      for (const groupId of this.#heard.keys()) this.#beacon(groupId, false)
    }
    // This thread was busy: beacons from meanwhile may still wait behind this timer, so nobody
    // is called offline before they are read.
    if (stalled) return
    for (const [groupId, heard] of this.#heard) {
      for (const [peer, entry] of heard) if (entry.deadline <= now) heard.delete(peer)
      this.#update(groupId)
    }
  }

  #beacon(groupId: GroupId, leaving: boolean): void {
    const members = new Set(this.#mesh.members(groupId))
    const neighbours = this.#mesh.linkedPeers().filter((peer) => members.has(peer))
    const payload = encodeBeacon({ seq: ++this.#seq, neighbours, leaving })
    try {
      this.#mesh.broadcast(groupId, PRESENCE_CHANNEL, payload)
    } catch (error) {
      this.#log(`beacon for ${groupId} not sent: ${String(error)}`)
    }
  }

  #receive({ from, data, group }: { from: PeerId; data: Uint8Array; group?: GroupId }): void {
    const heard = group === undefined ? undefined : this.#heard.get(group)
    const lastSeq = group === undefined ? undefined : this.#lastSeq.get(group)
    if (!heard || !lastSeq || group === undefined) return
    const decoded = decodeBeacon(data)
    if (!decoded.ok) {
      this.#log(`dropped beacon from ${from}: ${decoded.reason}`)
      return
    }
    const { seq, neighbours, leaving } = decoded.beacon
    if (seq <= (lastSeq.get(from) ?? -1)) return
    lastSeq.set(from, seq)
    if (leaving) heard.delete(from)
    else heard.set(from, { deadline: this.#clock.now() + this.#offlineAfterMs, neighbours })
    this.#update(group)
  }

  #linkLost(peer: PeerId): void {
    const deadline = this.#clock.now() + this.#afterLinkLossMs
    for (const heard of this.#heard.values()) {
      const entry = heard.get(peer)
      if (entry) entry.deadline = Math.min(entry.deadline, deadline)
    }
  }

  #update(groupId: GroupId): void {
    if (this.#closed) return
    const online = [this.self, ...(this.#heard.get(groupId)?.keys() ?? [])].sort()
    const previous = this.#online.get(groupId)
    if (previous && previous.join() === online.join()) return
    this.#online.set(groupId, online)
    this.emit('change', { groupId, online })
  }
}
