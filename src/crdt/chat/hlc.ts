/**
 * A hybrid logical clock timestamp: wall-clock milliseconds (13 digits) and a counter (4 digits),
 * e.g. `1718000000000.0003`. Fixed width, so comparing the strings compares the clocks.
 */
export type Hlc = string

const HLC = /^\d{13}\.\d{4}$/
const MAX_COUNTER = 9999

export function isHlc(value: unknown): value is Hlc {
  return typeof value === 'string' && HLC.test(value)
}

export function formatHlc(ms: number, counter: number): Hlc {
  return `${String(ms).padStart(13, '0')}.${String(counter).padStart(4, '0')}`
}

/** The wall-clock part of a timestamp, in milliseconds since the epoch. */
export function hlcTime(hlc: Hlc): number {
  return Number(hlc.slice(0, 13))
}

export function compareHlc(a: Hlc, b: Hlc): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Issues timestamps that are greater than every timestamp this device issued or observed, and
 * close to the wall clock. Observing a message before replying to it makes the reply sort after
 * it on every peer.
 */
export class HybridClock {
  readonly #now: () => number
  readonly #maxDriftMs: number
  #ms = 0
  #counter = 0

  /**
   * @param maxDriftMs how far ahead of our wall clock an observed timestamp may pull this clock;
   *   a peer with a clock far in the future cannot drag everyone's timestamps along.
   */
  constructor(now: () => number = Date.now, maxDriftMs = 60 * 60 * 1000) {
    this.#now = now
    this.#maxDriftMs = maxDriftMs
  }

  /** Takes in a timestamp seen in a document. */
  observe(hlc: Hlc): void {
    if (!isHlc(hlc)) return
    const ms = hlcTime(hlc)
    if (ms > Math.floor(this.#now()) + this.#maxDriftMs) return
    const counter = Number(hlc.slice(14))
    if (ms > this.#ms || (ms === this.#ms && counter > this.#counter)) {
      this.#ms = ms
      this.#counter = counter
    }
  }

  next(): Hlc {
    const now = Math.floor(this.#now())
    if (now > this.#ms) {
      this.#ms = now
      this.#counter = 0
    } else if (this.#counter < MAX_COUNTER) {
      this.#counter += 1
    } else {
      this.#ms += 1
      this.#counter = 0
    }
    return formatHlc(this.#ms, this.#counter)
  }
}
