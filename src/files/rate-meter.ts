/** Bytes per second over a sliding window, for speed and time-left figures. */
export class RateMeter {
  readonly #windowMs: number
  readonly #samples: { at: number; bytes: number }[] = []
  #total = 0

  constructor(windowMs = 3000) {
    this.#windowMs = windowMs
  }

  add(bytes: number, now: number): void {
    this.#samples.push({ at: now, bytes })
    this.#total += bytes
    this.#trim(now)
  }

  /** Bytes per second over the window (0 when nothing moved in it). */
  rate(now: number): number {
    this.#trim(now)
    const first = this.#samples[0]
    if (!first) return 0
    const span = Math.max(now - first.at, 250)
    return (this.#total * 1000) / Math.min(span, this.#windowMs)
  }

  #trim(now: number): void {
    while (this.#samples.length > 0 && this.#samples[0]!.at < now - this.#windowMs) {
      this.#total -= this.#samples.shift()!.bytes
    }
  }
}

/** Seconds left at `rate` bytes per second, or null when nothing is moving. */
export function secondsLeft(remaining: number, rate: number): number | null {
  if (remaining <= 0) return 0
  return rate > 0 ? remaining / rate : null
}
