import type { Clock, ClockTimer } from '../../lib/clock.ts'
import type { PeerId } from '../ids.ts'
import type { GroupId } from './mesh-protocol.ts'
import {
  MAX_RECORDS_PER_FRAME,
  type PresenceMessage,
  type PresenceRecord,
} from './presence-protocol.ts'
import type { GroupRecords } from './presence-records.ts'

interface Pending {
  /** Members whose records the neighbour may lack. */
  readonly records: Set<PeerId>
  /** Our versions, to be sent; `reply`: the neighbour should answer with its own. */
  versions?: { reply: boolean }
  /** Our digest, to be sent (a new link, new members): the neighbour asks if it differs. */
  digest?: boolean
}

/** The least time between two asks for records within one group. */
const ASK_SPACING_MS = 500

/**
 * What presence has to tell each neighbour, gathered for `flushDelayMs` and then sent as one
 * frame per neighbour and group (records in frames of at most MAX_RECORDS_PER_FRAME), so a
 * burst of changes costs a frame per link, not a frame per change.
 */
export class PresenceOutbox {
  readonly #pending = new Map<PeerId, Map<GroupId, Pending>>()
  /** When we last asked a neighbour for records, per group. */
  readonly #askedAt = new Map<GroupId, number>()
  #timer: ClockTimer | undefined
  #closed = false

  constructor(
    private readonly deps: {
      readonly clock: Clock
      readonly flushDelayMs: number
      readonly records: (group: GroupId) => GroupRecords | undefined
      /** The version of `peer`'s record `neighbour` is known to hold (it sent or listed it). */
      readonly known: (neighbour: PeerId, group: GroupId, peer: PeerId) => number
      readonly send: (peer: PeerId, message: PresenceMessage) => void
    },
  ) {}

  /** `peer`'s current record goes to `neighbour`. */
  record(neighbour: PeerId, group: GroupId, peer: PeerId): void {
    this.#queue(neighbour, group).records.add(peer)
  }

  digest(neighbour: PeerId, group: GroupId): void {
    this.#queue(neighbour, group).digest = true
  }

  /**
   * Sends our versions so that `neighbour` sends what we lack (and, with `reply`, asks for its
   * own so we can send what it lacks). One neighbour at a time per group: a newcomer hears
   * differing digests from all its neighbours at once, and one full copy of the records is
   * enough; the next digests fill any gap.
   */
  ask(neighbour: PeerId, group: GroupId, reply: boolean): void {
    const now = this.deps.clock.now()
    if (now - (this.#askedAt.get(group) ?? -Infinity) < ASK_SPACING_MS) return
    this.#askedAt.set(group, now)
    const pending = this.#queue(neighbour, group)
    pending.versions = { reply: reply || (pending.versions?.reply ?? false) }
  }

  /** Sends everything pending now. */
  flush(): void {
    this.deps.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const pending = [...this.#pending]
    this.#pending.clear()
    for (const [neighbour, groups] of pending) {
      for (const [group, what] of groups) {
        const records = this.deps.records(group)
        if (!records) continue
        const batch: [PeerId, PresenceRecord][] = []
        for (const peer of what.records) {
          const record = records.get(peer)
          // It may have come from that neighbour meanwhile: then it need not go back.
          if (record && record.version > this.deps.known(neighbour, group, peer)) {
            batch.push([peer, record])
          }
        }
        for (let i = 0; i < batch.length; i += MAX_RECORDS_PER_FRAME) {
          const chunk = new Map(batch.slice(i, i + MAX_RECORDS_PER_FRAME))
          this.deps.send(neighbour, { type: 'records', group, records: chunk })
        }
        if (what.digest) {
          const digest = records.digest()
          this.deps.send(neighbour, { type: 'digest', group, digest, count: records.size })
        }
        if (what.versions) {
          const { reply } = what.versions
          this.deps.send(neighbour, { type: 'versions', group, have: records.versions(), reply })
        }
      }
    }
  }

  close(): void {
    this.#closed = true
    this.deps.clock.clearTimeout(this.#timer)
    this.#pending.clear()
  }

  #queue(neighbour: PeerId, group: GroupId): Pending {
    let groups = this.#pending.get(neighbour)
    if (!groups) this.#pending.set(neighbour, (groups = new Map()))
    let pending = groups.get(group)
    if (!pending) groups.set(group, (pending = { records: new Set() }))
    if (this.#timer === undefined && !this.#closed) {
      this.#timer = this.deps.clock.setTimeout(() => this.flush(), this.deps.flushDelayMs)
    }
    return pending
  }
}
