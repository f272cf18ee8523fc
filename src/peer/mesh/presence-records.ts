import { hash32 } from '../../lib/hash.ts'
import type { PeerId } from '../ids.ts'
import type { PresenceRecord } from './presence-protocol.ts'

/**
 * The presence records one peer holds for one group: the newest version of each member's
 * record, a digest to compare with a neighbour's, and who is online.
 *
 * Online is decided from links, not from silence: a member is online when a chain of claimed
 * links leads to it from this peer's own links, through members whose records say they are
 * not leaving. A crashed member says nothing more, but its neighbours' links to it drop and
 * their new records leave it out, so nobody reaches it any longer; its own stale record, which
 * still lists its old links, is never followed because nothing leads to it.
 */
export class GroupRecords {
  readonly #records = new Map<PeerId, PresenceRecord>()
  #members: ReadonlySet<PeerId>
  #digest: string | undefined

  constructor(members: ReadonlySet<PeerId>) {
    this.#members = members
  }

  get members(): ReadonlySet<PeerId> {
    return this.#members
  }

  setMembers(members: ReadonlySet<PeerId>): void {
    this.#members = members
    for (const peer of [...this.#records.keys()]) {
      if (!members.has(peer)) this.#records.delete(peer)
    }
    this.#digest = undefined
  }

  get size(): number {
    return this.#records.size
  }

  get(peer: PeerId): PresenceRecord | undefined {
    return this.#records.get(peer)
  }

  /** Keeps `record` when it is a member's and newer than the one held; true when kept. */
  offer(peer: PeerId, record: PresenceRecord): boolean {
    if (!this.#members.has(peer)) return false
    if (record.version <= (this.#records.get(peer)?.version ?? -1)) return false
    this.#records.set(peer, record)
    this.#digest = undefined
    return true
  }

  versions(): Map<PeerId, number> {
    return new Map([...this.#records].map(([peer, record]) => [peer, record.version]))
  }

  /** 64 bits over the (member, version) pairs held, independent of order, as 16 hex digits. */
  digest(): string {
    if (this.#digest !== undefined) return this.#digest
    let low = this.#records.size
    let high = 0
    for (const [peer, { version }] of this.#records) {
      const entry = `${peer}:${version}`
      low = (low + hash32(entry, 1)) >>> 0
      high = (high + hash32(entry, 2)) >>> 0
    }
    this.#digest = hex(high) + hex(low)
    return this.#digest
  }

  /** Records held that are newer than the versions a neighbour has (or that it lacks). */
  newerThan(have: ReadonlyMap<PeerId, number>): Map<PeerId, PresenceRecord> {
    const newer = new Map<PeerId, PresenceRecord>()
    for (const [peer, record] of this.#records) {
      if (record.version > (have.get(peer) ?? -1)) newer.set(peer, record)
    }
    return newer
  }

  /** Whether a neighbour with these versions has a member's record newer than ours. */
  behind(have: ReadonlyMap<PeerId, number>): boolean {
    for (const [peer, version] of have) {
      if (this.#members.has(peer) && version > (this.#records.get(peer)?.version ?? -1)) return true
    }
    return false
  }

  /**
   * Online members, `self` included, sorted: those reached from `self` over its own `links`
   * and then over the links each reached member's record claims. A member needs a record that
   * is not leaving to count (it runs this group and has not said goodbye).
   */
  online(self: PeerId, links: readonly PeerId[]): PeerId[] {
    return this.#reach(self, links, false)
  }

  /**
   * Online members that answer, `self` included, sorted: as `online`, over `self`'s links that
   * are not quiet (`links` here) and then only over links a record does not call quiet. A
   * member whose every neighbour has stopped hearing it (crashed, or busy) is left out at once,
   * while its links stay up; every member holding the same records computes the same set.
   */
  responsive(self: PeerId, links: readonly PeerId[]): PeerId[] {
    return this.#reach(self, links, true)
  }

  #reach(self: PeerId, links: readonly PeerId[], skipQuiet: boolean): PeerId[] {
    const reached = new Set<PeerId>([self])
    const queue: PeerId[] = []
    const visit = (peer: PeerId) => {
      if (reached.has(peer) || !this.#members.has(peer)) return
      const record = this.#records.get(peer)
      if (!record || record.leaving) return
      reached.add(peer)
      queue.push(peer)
    }
    for (const peer of links) visit(peer)
    for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
      const record = this.#records.get(at)
      const quiet = skipQuiet ? record?.quiet : undefined
      for (const peer of record?.links ?? []) if (!quiet?.includes(peer)) visit(peer)
    }
    return [...reached].sort()
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0')
}
