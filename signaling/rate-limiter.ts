/**
 * A token bucket: holds up to `burst` tokens, refilled at `perSecond`. Each `take(cost)` spends
 * `cost` tokens (default one) if that many are there, and says whether they were.
 */
export class TokenBucket {
  readonly #perSecond: number
  readonly #burst: number
  readonly #now: () => number
  #tokens: number
  #last: number

  constructor(perSecond: number, burst: number, now: () => number = Date.now) {
    this.#perSecond = perSecond
    this.#burst = burst
    this.#now = now
    this.#tokens = burst
    this.#last = now()
  }

  take(cost = 1): boolean {
    const now = this.#now()
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#last) / 1000) * this.#perSecond,
    )
    this.#last = now
    if (this.#tokens < cost) return false
    this.#tokens -= cost
    return true
  }
}
