import { isPeerId, type PeerId } from '../ids.ts'
import { isGroupId, type GroupId } from './mesh-protocol.ts'
import { DEFAULT_MAX_LINKS, groupNeighbours } from './topology.ts'

/**
 * The groups a mesh serves and the neighbours they call for: for each group, its members (or,
 * in a group larger than `maxLinks`, the hash-ring neighbours among those around), merged
 * over all groups. It also remembers which peers a plan ever wanted, whose links are the plan's
 * to drop once no group wants them (links made otherwise, e.g. by manual pairing, are not).
 */
export class GroupPlan {
  readonly #self: PeerId
  readonly #maxLinks: number
  readonly #groups = new Map<GroupId, ReadonlySet<PeerId>>()
  readonly #eagerGroups = new Set<GroupId>()
  #wanted = new Set<PeerId>()
  readonly #everWanted = new Set<PeerId>()

  constructor(self: PeerId, maxLinks = DEFAULT_MAX_LINKS) {
    if (!Number.isInteger(maxLinks) || maxLinks < 2) {
      throw new Error(`maxLinks must be an integer of at least 2, not ${maxLinks}`)
    }
    this.#self = self
    this.#maxLinks = maxLinks
  }

  /** Sets a group's members (self added); throws on an invalid group or peer ID. */
  set(groupId: GroupId, peers: readonly PeerId[], eager: boolean): void {
    if (!isGroupId(groupId)) throw new Error(`invalid group ID: ${String(groupId).slice(0, 80)}`)
    const bad = peers.find((peer) => !isPeerId(peer))
    if (bad !== undefined) throw new Error(`invalid peer ID in group: ${String(bad).slice(0, 80)}`)
    this.#groups.set(groupId, new Set([...peers, this.#self]))
    if (eager) this.#eagerGroups.add(groupId)
    else this.#eagerGroups.delete(groupId)
  }

  /** False when the group was not known. */
  remove(groupId: GroupId): boolean {
    if (!this.#groups.delete(groupId)) return false
    this.#eagerGroups.delete(groupId)
    return true
  }

  /** The group's members, self included (undefined for an unknown group). */
  group(groupId: GroupId): ReadonlySet<PeerId> | undefined {
    return this.#groups.get(groupId)
  }

  groups(): readonly GroupId[] {
    return [...this.#groups.keys()]
  }

  /** The neighbours of the last replan. */
  wanted(): ReadonlySet<PeerId> {
    return this.#wanted
  }

  /** Whether `peer` is in a group whose members are dialled at once (they do not expect us). */
  eager(peer: PeerId): boolean {
    return [...this.#eagerGroups].some((group) => this.#groups.get(group)?.has(peer) ?? false)
  }

  /**
   * Recomputes the wanted neighbours. `around` narrows a group larger than `maxLinks` to the
   * members that are around, so the rings leave no gap where an offline member would be.
   */
  replan(around: (members: ReadonlySet<PeerId>) => ReadonlySet<PeerId>): ReadonlySet<PeerId> {
    const wanted = new Set<PeerId>()
    for (const members of this.#groups.values()) {
      const candidates = members.size - 1 <= this.#maxLinks ? members : around(members)
      for (const peer of groupNeighbours(this.#self, candidates, this.#maxLinks)) wanted.add(peer)
    }
    this.#wanted = wanted
    for (const peer of wanted) this.#everWanted.add(peer)
    return wanted
  }

  /** A link to `peer` was made for a plan that no longer wants it. */
  unwanted(peer: PeerId): boolean {
    return !this.#wanted.has(peer) && this.#everWanted.has(peer)
  }

  /** The plan's link to `peer` is being dropped: it is no longer the plan's. */
  forget(peer: PeerId): void {
    this.#everWanted.delete(peer)
  }
}
