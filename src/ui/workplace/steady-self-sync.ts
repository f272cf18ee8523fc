import type { SelfSyncState } from '../../crdt/sync/workplace-sync.ts'
import { browserTimers, type UpdateTimers } from '../coalesce-updates.ts'

/**
 * How long this device must be out of step with the others before the badge stops saying
 * "In sync". Every change, its own or a member's, puts it out of step until the others report
 * their heads (within about 250 ms each way), so a busy chat would flip the badge several times a
 * second; a sync that is really behind lasts longer than this.
 */
export const SYNCING_SHOWN_AFTER_MS = 1500

/**
 * This device's sync state as the badge shows it: from "In sync", a spell of syncing shows only
 * once it has lasted `SYNCING_SHOWN_AFTER_MS`; every other change (back in sync, alone, offline,
 * or syncing from any state but in sync) shows at once.
 */
export class SteadySelfSync {
  readonly #source: { self(): SelfSyncState }
  readonly #timers: Pick<UpdateTimers, 'now' | 'setTimeout' | 'clearTimeout'>
  #shown: SelfSyncState | undefined
  /** When the spell of syncing the badge does not show yet began. */
  #since: number | undefined
  #timer: unknown
  readonly #listeners = new Set<() => void>()

  constructor(
    source: { self(): SelfSyncState },
    timers: Pick<UpdateTimers, 'now' | 'setTimeout' | 'clearTimeout'> = browserTimers,
  ) {
    this.#source = source
    this.#timers = timers
  }

  /** The state to show now. */
  read(): SelfSyncState {
    const state = this.#source.self()
    if (state.state === 'syncing' && this.#shown?.state === 'in-sync') {
      const now = this.#timers.now()
      this.#since ??= now
      const left = this.#since + SYNCING_SHOWN_AFTER_MS - now
      if (left > 0) {
        this.#recheckIn(left)
        return this.#shown
      }
    }
    this.#since = undefined
    this.#cancel()
    this.#shown = state
    return state
  }

  /**
   * Calls `update` when a held spell of syncing is due to show (the source's own changes are
   * listened to by the caller); returns how to stop.
   */
  listen(update: () => void): () => void {
    this.#listeners.add(update)
    return () => {
      this.#listeners.delete(update)
      if (this.#listeners.size === 0) this.#cancel()
    }
  }

  #recheckIn(ms: number): void {
    if (this.#timer !== undefined) return
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined
      for (const update of [...this.#listeners]) update()
    }, ms)
  }

  #cancel(): void {
    if (this.#timer === undefined) return
    this.#timers.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

/** A SteadySelfSync per workplace (by ID), made on first use: for a list of workplaces. */
export function steadyPerWorkplace<W extends { id: string }>(
  syncOf: (workplace: W) => { self(): SelfSyncState },
): (workplace: W) => SteadySelfSync {
  const made = new Map<string, SteadySelfSync>()
  return (workplace) => {
    let steady = made.get(workplace.id)
    if (!steady) made.set(workplace.id, (steady = new SteadySelfSync(syncOf(workplace))))
    return steady
  }
}
