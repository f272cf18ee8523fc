import type { Clock, ClockTimer } from '../../lib/clock.ts'

/** A sending rate: frames per second sustained, and how many may go at once. */
export interface SendRate {
  perSecond: number
  burst: number
}

/**
 * Keeps a client's frames within the rate its server enforces (a token bucket like the
 * server's), holding the excess in order rather than sending it into "rate-limited" errors and a
 * forced disconnect. A queue that grows past `maxQueued` drops its oldest frames.
 */
export class SendPacer {
  readonly #clock: Clock
  readonly #maxQueued: number
  readonly #onDrop: (count: number) => void
  readonly #queue: (() => void)[] = []
  #rate: SendRate
  #tokens: number
  #refilledAt: number
  #timer: ClockTimer | undefined

  constructor(options: {
    rate: SendRate
    clock: Clock
    maxQueued?: number
    onDrop?: (count: number) => void
  }) {
    this.#clock = options.clock
    this.#rate = options.rate
    this.#tokens = options.rate.burst
    this.#refilledAt = options.clock.now()
    this.#maxQueued = options.maxQueued ?? 500
    this.#onDrop = options.onDrop ?? (() => {})
  }

  /** Frames waiting for the rate to allow them. */
  get queued(): number {
    return this.#queue.length
  }

  /** The server said what it allows: from now on paced to that. */
  setRate(rate: SendRate): void {
    this.#refill()
    this.#rate = rate
    this.#tokens = Math.min(this.#tokens, rate.burst)
    this.#clock.clearTimeout(this.#timer) // it was timed for the old rate
    this.#timer = undefined
    this.#drain()
  }

  /** Sends now if the rate allows and nothing is waiting, else after what is waiting. */
  submit(send: () => void): void {
    this.#refill()
    if (this.#queue.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1
      send()
      return
    }
    this.#queue.push(send)
    if (this.#queue.length > this.#maxQueued) {
      const dropped = this.#queue.length - this.#maxQueued
      this.#queue.splice(0, dropped)
      this.#onDrop(dropped)
    }
    this.#schedule()
  }

  /** Forgets what waits (the connection it was for is gone) and starts with a full bucket. */
  reset(): void {
    this.#queue.length = 0
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#tokens = this.#rate.burst
    this.#refilledAt = this.#clock.now()
  }

  #refill(): void {
    const now = this.#clock.now()
    const earned = ((now - this.#refilledAt) / 1000) * this.#rate.perSecond
    this.#tokens = Math.min(this.#rate.burst, this.#tokens + earned)
    this.#refilledAt = now
  }

  #drain(): void {
    this.#refill()
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1
      this.#queue.shift()!()
    }
    if (this.#queue.length > 0) this.#schedule()
  }

  #schedule(): void {
    if (this.#timer !== undefined) return
    const wait = Math.max(1, Math.ceil(((1 - this.#tokens) / this.#rate.perSecond) * 1000))
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      this.#drain()
    }, wait)
  }
}

/**
 * What to pace to, given what a server enforces: a little under it, since the server's bucket
 * started earlier than ours and timers fire late.
 */
export function paceUnder(limit: SendRate): SendRate {
  return { perSecond: limit.perSecond * 0.9, burst: Math.max(1, Math.floor(limit.burst * 0.8)) }
}
