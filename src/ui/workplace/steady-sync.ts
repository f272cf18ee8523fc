import type { MemberSyncView, SelfSyncState } from '../../crdt/sync/workplace-sync.ts'
import { browserTimers, type UpdateTimers } from '../coalesce-updates.ts'

/**
 * How long this device, or a member, must be out of step before it stops showing as in sync.
 * Every change, its own or a member's, puts devices out of step until the others report their
 * heads (within about 250 ms each way), so a busy chat would flip the badge several times a
 * second; a sync that is really behind lasts longer than this.
 */
export const SYNCING_SHOWN_AFTER_MS = 1500

type HoldTimers = Pick<UpdateTimers, 'now' | 'setTimeout' | 'clearTimeout'>

/**
 * Keeps showing "in sync", per key (this device, each member), through spells out of step
 * shorter than `holdMs` (`SYNCING_SHOWN_AFTER_MS` by default); asks its listeners to read again
 * when a held spell is due to show.
 */
class InSyncHold {
  readonly #timers: HoldTimers
  readonly #holdMs: () => number
  /** When each held spell began. */
  readonly #since = new Map<string, number>()
  readonly #listeners = new Set<() => void>()
  #timer: unknown
  #due = Infinity

  constructor(timers: HoldTimers, holdMs: () => number = () => SYNCING_SHOWN_AFTER_MS) {
    this.#timers = timers
    this.#holdMs = holdMs
  }

  /** Whether to show `key` as in sync: it is, or it was shown so and its spell is short yet. */
  inSync(key: string, inSync: boolean, shownInSync: boolean): boolean {
    if (inSync || !shownInSync) {
      this.end(key)
      return inSync
    }
    const now = this.#timers.now()
    const since = this.#since.get(key) ?? now
    this.#since.set(key, since)
    const left = since + this.#holdMs() - now
    if (left <= 0) {
      this.end(key)
      return false
    }
    this.#recheckIn(left)
    return true
  }

  /** `key`'s spell, if any, is over (shown, or no longer a spell). */
  end(key: string): void {
    this.#since.delete(key)
    if (this.#since.size === 0) this.#cancel()
  }

  /** Forgets every spell and listener; no update comes after. */
  close(): void {
    this.#since.clear()
    this.#listeners.clear()
    this.#cancel()
  }

  listen(update: () => void): () => void {
    this.#listeners.add(update)
    return () => {
      this.#listeners.delete(update)
      if (this.#listeners.size === 0) this.#cancel()
    }
  }

  #recheckIn(ms: number): void {
    const due = this.#timers.now() + ms
    if (this.#timer !== undefined && this.#due <= due) return
    this.#cancel()
    this.#due = due
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined
      this.#due = Infinity
      for (const update of [...this.#listeners]) update()
    }, ms)
  }

  #cancel(): void {
    if (this.#timer === undefined) return
    this.#timers.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#due = Infinity
  }
}

/**
 * This device's sync state as the badge shows it: from "In sync", a spell of syncing shows only
 * once it has lasted `SYNCING_SHOWN_AFTER_MS`; every other change (back in sync, alone, offline,
 * or syncing from any state but in sync) shows at once.
 */
export class SteadySelfSync {
  readonly #source: { self(): SelfSyncState }
  readonly #hold: InSyncHold
  #shown: SelfSyncState | undefined

  constructor(source: { self(): SelfSyncState }, timers: HoldTimers = browserTimers) {
    this.#source = source
    this.#hold = new InSyncHold(timers)
  }

  /** The state to show now. */
  read(): SelfSyncState {
    const state = this.#source.self()
    const shownInSync = this.#shown?.state === 'in-sync'
    const inSync = state.state === 'in-sync'
    // Alone or offline is no spell of syncing: shown at once.
    if (state.state !== 'syncing' && !inSync) this.#hold.end('self')
    else if (this.#hold.inSync('self', inSync, shownInSync) && !inSync) return this.#shown!
    this.#shown = state
    return state
  }

  /**
   * Calls `update` when a held spell of syncing is due to show (the source's own changes are
   * listened to by the caller); returns how to stop.
   */
  listen(update: () => void): () => void {
    return this.#hold.listen(update)
  }

  /** Stops: a held spell due to show calls no listener. */
  close(): void {
    this.#hold.close()
  }
}

/**
 * The members' sync as the member list shows it: an online member shown in sync stays so
 * through a spell out of step shorter than `holdMs`, as the badge does. Members of a big group
 * report to each other less often (WorkplaceSync.memberHoldMs says how long to hold then).
 */
export class SteadyMemberSync {
  readonly #hold: InSyncHold
  readonly #shownInSync = new Map<string, boolean>()

  constructor(
    timers: HoldTimers = browserTimers,
    holdMs: () => number = () => SYNCING_SHOWN_AFTER_MS,
  ) {
    this.#hold = new InSyncHold(timers, holdMs)
  }

  read(views: readonly MemberSyncView[]): MemberSyncView[] {
    return views.map((view) => {
      if (!view.online) this.#hold.end(view.peer)
      const inSync = view.online
        ? this.#hold.inSync(view.peer, view.inSync, this.#shownInSync.get(view.peer) ?? false)
        : view.inSync
      this.#shownInSync.set(view.peer, view.online && inSync)
      return inSync === view.inSync ? view : { ...view, inSync }
    })
  }

  /** Calls `update` when a held spell is due to show; returns how to stop. */
  listen(update: () => void): () => void {
    return this.#hold.listen(update)
  }
}

/** SteadySelfSyncs for a list of workplaces (see `steadyPerWorkplace`). */
export interface SteadyPerWorkplace<W extends { id: string }> {
  (workplace: W): SteadySelfSync
  /** Closes and forgets the ones of workplaces not in `workplaces` (left or removed). */
  retain(workplaces: readonly W[]): void
}

/** A SteadySelfSync per workplace (by ID), made on first use: for a list of workplaces. */
export function steadyPerWorkplace<W extends { id: string }>(
  syncOf: (workplace: W) => { self(): SelfSyncState },
  timers: HoldTimers = browserTimers,
): SteadyPerWorkplace<W> {
  const made = new Map<string, SteadySelfSync>()
  const steadyOf = (workplace: W) => {
    let steady = made.get(workplace.id)
    if (!steady) made.set(workplace.id, (steady = new SteadySelfSync(syncOf(workplace), timers)))
    return steady
  }
  return Object.assign(steadyOf, {
    retain(workplaces: readonly W[]) {
      const kept = new Set(workplaces.map((wp) => wp.id))
      for (const [id, steady] of made) {
        if (kept.has(id)) continue
        steady.close()
        made.delete(id)
      }
    },
  })
}
