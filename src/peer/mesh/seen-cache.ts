import type { Clock } from '../../lib/clock.ts'

/** Message IDs seen recently, for de-duplicating flooded messages. Bounded in time and size. */
export class SeenCache {
  readonly #entries = new Map<string, number>()
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #maxEntries: number

  constructor(clock: Clock, ttlMs = 60_000, maxEntries = 50_000) {
    this.#clock = clock
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
  }

  /** Records `id`; true when it was not seen before. */
  add(id: string): boolean {
    const now = this.#clock.now()
    this.#prune(now)
    if (this.#entries.has(id)) return false
    this.#entries.set(id, now + this.#ttlMs)
    return true
  }

  #prune(now: number): void {
    // Entries are kept in insertion order, which is expiry order.
    for (const [id, expiresAt] of this.#entries) {
      if (expiresAt > now && this.#entries.size < this.#maxEntries) break
      this.#entries.delete(id)
    }
  }
}
