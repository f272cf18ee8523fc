import * as Automerge from '@automerge/automerge'
import { ChangeCounter } from './change-counter.ts'
import type { DocHandle } from '@automerge/automerge-repo'
import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort, PeerPresence } from '../../peer/mesh/mesh-port.ts'
import type { ReachabilityPort } from './reachability.ts'
import { decodeHeadsReport, encodeHeadsReport, SYNC_STATUS_CHANNEL } from './sync-protocol.ts'
import { REPORT_AFTER_MS, ReportFanout } from './report-fanout.ts'
import type { ConfirmedHeadsStore } from './confirmed-heads-store.ts'

/**
 * This device's sync status in a workplace. `alone`: no other member is online (or there is no
 * other member, `others` 0) and nothing says this device could not reach them; `offline`: there
 * are other members, none is online, and this device has no way to reach anyone. `waiting`
 * counts local changes no other member is known to hold yet.
 */
export type SelfSyncState =
  | { state: 'in-sync' }
  | { state: 'syncing'; pending: number }
  | { state: 'alone'; others: number; waiting: number }
  | { state: 'offline'; waiting: number }

export interface MemberSyncView {
  peer: PeerId
  online: boolean
  isSyncer: boolean
  inSync: boolean
  /** When this device last saw the member hold exactly what it holds. */
  lastSyncedAt: number | null
}

/**
 * What other members hold is written to the store at most this often (reports come 4 a second):
 * the first report after a quiet spell at once, the rest together at the end of the spell.
 */
const SAVE_AFTER_MS = 1000
/** Heads kept per document as confirmed: the newest reported, and older ones this device holds. */
const MAX_CONFIRMED_HEADS = 32

/**
 * Documents of the workplace held elsewhere (the chat's, in the documents worker): their heads and
 * the count of their changes no other member is known to hold, as their holder last told.
 */
export interface RemoteDocs {
  heads(): Record<string, string[]>
  waiting(): number
  /** `headsChanged`: false when only the count of waiting changes moved. */
  onChange(listener: (headsChanged: boolean) => void): () => void
  /** Tells the holder which heads other members are known to hold (what `waiting` counts from). */
  confirm(heads: Record<string, string[]>): void
}

export interface WorkplaceSyncEvents extends Record<string, unknown> {
  change: void
}

/**
 * The Syncer's bookkeeping and the "in sync" badge: members report their document heads; each
 * device compares them with its own. While nobody else is online, it counts the local changes
 * that no other member is known to hold yet.
 */
export class WorkplaceSync extends Emitter<WorkplaceSyncEvents> {
  readonly workplace: string
  readonly #mesh: MeshPort
  readonly #presence: PeerPresence
  readonly #members: () => readonly PeerId[]
  readonly #reach: ReachabilityPort
  readonly #handles: () => DocHandle<unknown>[]
  readonly #fetching: () => string[]
  readonly #clock: () => number
  readonly #reported = new Map<PeerId, Record<string, string[]>>()
  readonly #lastSynced = new Map<PeerId, number>()
  /** Heads other members are known to hold, per document (what "waiting" counts from). */
  readonly #confirmed: Map<string, string[]>
  readonly #store: ConfirmedHeadsStore
  readonly #counter = new ChangeCounter()
  readonly #remote: RemoteDocs | undefined
  readonly #off: (() => void)[] = []
  readonly #fanout: ReportFanout
  #saveTimer: ReturnType<typeof setTimeout> | undefined
  /** When the store was last written (by `#clock`). */
  #savedAt = -Infinity
  /** Each document's heads as last read, with the (immutable) document they were read from. */
  readonly #headsOf = new WeakMap<DocHandle<unknown>, { doc: unknown; heads: string[] }>()
  /** The documents whose changes this listens to, with how to stop. */
  readonly #watched = new Map<DocHandle<unknown>, () => void>()

  constructor(options: {
    workplace: string
    mesh: MeshPort
    /** The workplace's members (self included or not). */
    members: () => readonly PeerId[]
    reach: ReachabilityPort
    handles: () => DocHandle<unknown>[]
    /**
     * Documents opened on this thread and still on their way from members: they count as held
     * with no changes (`[]`), so this device is not in sync with one that holds them.
     */
    fetching?: () => string[]
    /** Documents held outside this thread, whose heads count as this device's too. */
    remote?: RemoteDocs
    store: ConfirmedHeadsStore
    clock?: () => number
    reportEveryMs?: number
  }) {
    super()
    this.workplace = options.workplace
    this.#mesh = options.mesh
    this.#presence = options.mesh.presence
    this.#members = options.members
    this.#reach = options.reach
    this.#handles = options.handles
    this.#fetching = options.fetching ?? (() => [])
    this.#clock = options.clock ?? (() => Date.now())
    this.#store = options.store
    this.#confirmed = new Map(Object.entries(this.#store.load(this.workplace)))
    this.#remote = options.remote
    this.#fanout = new ReportFanout({
      self: this.#mesh.self,
      others: () => this.#others(),
      syncer: () => this.syncer,
      send: (peers) => this.#send(peers),
      clock: this.#clock,
    })
    if (this.#remote) {
      this.#remote.confirm(Object.fromEntries(this.#confirmed))
      // New heads go to the members; a new waiting count only to the badge.
      this.#off.push(
        this.#remote.onChange((heads) => (heads ? this.changed() : this.emit('change', undefined))),
      )
    }
    this.#off.push(
      this.#mesh.onMessage(SYNC_STATUS_CHANNEL, ({ from, data }) => this.#receive(from, data)),
      this.#presence.onOnlineChange((group) => {
        if (group !== this.workplace) return
        // What a member reported before it went away says nothing about what it holds when
        // it is back: its next report does.
        const online = new Set(this.#others())
        for (const peer of this.#reported.keys()) if (!online.has(peer)) this.#reported.delete(peer)
        this.report()
        this.emit('change', undefined)
      }),
      this.#mesh.presence.onLinkChange(({ up }) => up && this.report()),
      this.#reach.onChange(() => this.emit('change', undefined)),
    )
    const every = setInterval(() => this.report(), options.reportEveryMs ?? 5000)
    this.#off.push(() => clearInterval(every))
    this.#watch()
  }

  /**
   * Call when a document of the workplace changed locally or by sync (the documents `handles`
   * lists are watched too). The heads go out at most 250 ms later, even while changes go on:
   * a busy chat must not keep the others from hearing that this device caught up. In a big
   * group, only to the Syncer that soon (see ReportFanout).
   */
  changed(): void {
    this.#fanout.changed()
    this.emit('change', undefined)
  }

  /** Sends this device's heads to every online member. */
  report(): void {
    this.#fanout.all()
  }

  /**
   * How long the member list should keep showing a member in sync through a spell out of step
   * (`minimum` where members report every 250 ms): in a big group they report to each other
   * less often. Every member reports to the Syncer that often, whatever the group's size.
   */
  memberHoldMs(minimum: number): number {
    const interval = this.#fanout.peerIntervalMs()
    if (interval <= REPORT_AFTER_MS || this.syncer === this.#mesh.self) return minimum
    return Math.max(minimum, 2 * interval + 500)
  }

  get syncer(): PeerId {
    return this.#presence.syncer(this.workplace)
  }

  self(): SelfSyncState {
    const others = this.#others()
    const own = this.#ownHeads()
    if (others.length === 0) {
      const members = this.#members().filter((p) => p !== this.#mesh.self).length
      const waiting = members === 0 ? 0 : this.#waiting()
      return members > 0 && !this.#reach.reachable()
        ? { state: 'offline', waiting }
        : { state: 'alone', others: members, waiting }
    }
    const judged = this.syncer === this.#mesh.self ? others : [this.syncer]
    const pending = judged.filter((peer) => !sameHeads(this.#reported.get(peer), own)).length
    return pending === 0 ? { state: 'in-sync' } : { state: 'syncing', pending }
  }

  members(all: readonly PeerId[]): MemberSyncView[] {
    const online = new Set(this.#presence.online(this.workplace))
    const own = this.#ownHeads()
    return all.map((peer) => ({
      peer,
      online: online.has(peer) || peer === this.#mesh.self,
      isSyncer: peer === this.syncer,
      inSync: peer === this.#mesh.self || sameHeads(this.#reported.get(peer), own),
      lastSyncedAt: peer === this.#mesh.self ? this.#clock() : (this.#lastSynced.get(peer) ?? null),
    }))
  }

  /** This device's heads of every document of the workplace (the documents worker's included). */
  heads(): Record<string, string[]> {
    return this.#ownHeads()
  }

  /** The heads each online member last reported, by document (for diagnostics). */
  reportedHeads(): Record<string, Record<string, string[]>> {
    return Object.fromEntries(this.#reported)
  }

  close(): void {
    this.#fanout.close()
    if (this.#saveTimer !== undefined) this.#save()
    for (const off of this.#off.splice(0)) off()
    for (const off of this.#watched.values()) off()
    this.#watched.clear()
  }

  /** Listens to every document the workplace has open now (chat shards open as it goes). */
  #watch(): void {
    const current = new Set(this.#handles())
    for (const [handle, off] of this.#watched) {
      if (current.has(handle)) continue
      off()
      this.#watched.delete(handle)
    }
    for (const handle of current) {
      if (this.#watched.has(handle)) continue
      const onHeads = () => this.changed()
      handle.on('heads-changed', onHeads)
      this.#watched.set(handle, () => handle.off('heads-changed', onHeads))
    }
  }

  #send(peers: readonly PeerId[]): void {
    this.#watch()
    if (peers.length === 0) return
    const data = encodeHeadsReport({ workplace: this.workplace, heads: this.#ownHeads() })
    for (const peer of peers) this.#mesh.send(peer, SYNC_STATUS_CHANNEL, data)
  }

  #others(): PeerId[] {
    return this.#presence.online(this.workplace).filter((p) => p !== this.#mesh.self)
  }

  #ownHeads(): Record<string, string[]> {
    const heads: Record<string, string[]> = { ...this.#remote?.heads() }
    for (const handle of this.#handles()) {
      if (!handle.isReady()) continue
      // A document's state is immutable: the same object has the same heads.
      const doc = handle.doc()
      let known = this.#headsOf.get(handle)
      if (known?.doc !== doc) {
        known = { doc, heads: Automerge.getHeads(doc) }
        this.#headsOf.set(handle, known)
      }
      heads[handle.documentId] = known.heads
    }
    for (const id of this.#fetching()) heads[id] ??= []
    return heads
  }

  /**
   * A page often closes soon after it caught up: a save held back a whole second was lost, so
   * the next start counted from heads confirmed long before (its whole catch-up again, from the
   * history, on the main thread). The first save after a quiet spell goes at once.
   */
  #saveSoon(): void {
    if (this.#saveTimer !== undefined) return
    const wait = this.#savedAt + SAVE_AFTER_MS - this.#clock()
    if (wait <= 0) this.#save()
    else this.#saveTimer = setTimeout(() => this.#save(), wait)
  }

  #save(): void {
    clearTimeout(this.#saveTimer)
    this.#saveTimer = undefined
    this.#savedAt = this.#clock()
    this.#store.save(this.workplace, Object.fromEntries(this.#confirmed))
  }

  #waiting(): number {
    let waiting = 0
    for (const handle of this.#handles()) {
      if (!handle.isReady()) continue
      const confirmed = this.#confirmed.get(handle.documentId) ?? []
      waiting += this.#counter.since(handle.documentId, handle.doc(), confirmed)
    }
    return waiting + (this.#remote?.waiting() ?? 0)
  }

  /**
   * What to keep as confirmed for `doc` when a member reports holding `heads`. Heads this device
   * does not hold yet (the member is ahead) say nothing about which of this device's changes it
   * holds: counted from them, every change would wait, and counting the whole history held the
   * main thread on each start. The confirmed heads this device does hold are kept beside them.
   */
  #confirmable(doc: string, heads: string[]): string[] {
    const handle = this.#handles().find((h) => h.documentId === doc)
    if (!handle?.isReady()) return heads
    const mine = handle.doc()
    // Nearly always the member reports this device's own heads: found among them, a head needs
    // no `hasHeads`, which copies the whole change out of the document to say it is there.
    const own = new Set(Automerge.getHeads(mine))
    const held = (h: string) => own.has(h) || Automerge.hasHeads(mine, [h])
    if (heads.every(held)) return heads
    const before = (this.#confirmed.get(doc) ?? []).filter((h) => held(h) && !heads.includes(h))
    return [...before, ...heads].slice(-MAX_CONFIRMED_HEADS)
  }

  #receive(from: PeerId, data: Uint8Array): void {
    const report = decodeHeadsReport(data)
    if (report instanceof Error) {
      console.warn(`sync status: dropped a report from ${from}: ${report.message}`)
      return
    }
    if (report.workplace !== this.workplace) return
    this.#reported.set(from, report.heads)
    for (const [doc, heads] of Object.entries(report.heads)) {
      // A member still fetching the document holds none of it: that says nothing of what the
      // others hold.
      if (heads.length === 0) continue
      this.#confirmed.set(doc, this.#confirmable(doc, heads))
    }
    this.#saveSoon()
    this.#remote?.confirm(Object.fromEntries(this.#confirmed))
    if (sameHeads(report.heads, this.#ownHeads())) this.#lastSynced.set(from, this.#clock())
    this.emit('change', undefined)
  }
}

function sameHeads(a: Record<string, string[]> | undefined, b: Record<string, string[]>): boolean {
  if (!a) return false
  // Compare the documents both devices have open (one may not have opened, say, the contacts).
  const shared = Object.keys(b).filter((doc) => doc in a)
  if (shared.length === 0) return false
  return shared.every((doc) => {
    const x = a[doc]!
    const y = b[doc]!
    return x.length === y.length && [...x].sort().join() === [...y].sort().join()
  })
}
