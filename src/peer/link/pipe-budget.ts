export interface PipeBudgetOptions {
  /** The most ever kept in the pipe's buffer. */
  max: number
  /** How long what is in the buffer may take to leave, at the path's measured rate. */
  horizonMs: number
  /** Milliseconds, any origin. */
  now: () => number
}

/**
 * Busy time measured before the rate is (re)estimated: a data channel's bufferedAmount falls in
 * steps (Chromium reports sent bytes in batches), so shorter samples swing between 0 and bursts.
 */
const SAMPLE_MS = 500
/** The least kept in the buffer (while the path's rate is unknown or slow): a frame. */
const MIN_BYTES = 16 * 1024

/**
 * How much a link keeps in its pipe's buffer. A data channel's buffer is a queue no one can
 * reorder, so everything behind it waits for all of it: 1 MiB is 17 s on a 500 kbit/s path. The
 * budget keeps about `horizonMs` of data in the buffer at the rate the path has been draining
 * it, and the rest in the link's own lanes (send-lanes.ts), where urgent frames still go first.
 * The rate is measured over the time the buffer held something; a buffer that runs dry while more
 * waits doubles the budget (a fast path grows it to `max` within a few refills).
 */
export class PipeBudget {
  readonly #max: number
  readonly #min: number
  readonly #horizonMs: number
  readonly #now: () => number
  #limit: number
  /** Bytes per millisecond, once measured. */
  #rate: number | undefined
  #lastBuffered = 0
  #lastAt: number
  #handed = 0
  #busyBytes = 0
  #busyMs = 0

  constructor(options: PipeBudgetOptions) {
    this.#max = options.max
    this.#min = Math.min(MIN_BYTES, options.max)
    this.#horizonMs = options.horizonMs
    this.#now = options.now
    this.#limit = Math.min(this.#max, this.#min * 4)
    this.#lastAt = this.#now()
  }

  /** The buffer's current ceiling. */
  get limit(): number {
    return this.#limit
  }

  /**
   * The buffer holds `buffered` bytes now, before more is handed to it; `heldBack` says whether
   * more was left waiting for room when the buffer was last filled. True when the buffer ran dry
   * meanwhile and the budget grew: the path is faster than the budget, so look again soon.
   */
  observe(buffered: number, heldBack: boolean): boolean {
    const now = this.#now()
    const had = this.#lastBuffered + this.#handed
    const elapsed = now - this.#lastAt
    let grew = false
    if (had > 0 && elapsed > 0) {
      // What left since the last look is what the path took. It may have run dry before now,
      // which makes the rate look lower than it is: by at most one look's interval.
      this.#busyBytes += Math.max(0, had - buffered)
      this.#busyMs += elapsed
      if (buffered === 0 && heldBack) {
        // Ran dry while more waited for room: the path took all there was; give it more.
        grew = this.#limit < this.#max
        this.#limit = Math.min(this.#max, this.#limit * 2)
      }
      if (this.#busyMs >= SAMPLE_MS) this.#estimate()
    }
    this.#lastBuffered = buffered
    this.#lastAt = now
    this.#handed = 0
    return grew
  }

  /** Bytes just handed to the pipe. */
  handed(bytes: number): void {
    this.#handed += bytes
  }

  #estimate(): void {
    const sample = this.#busyBytes / this.#busyMs
    const rate = this.#rate === undefined ? sample : (this.#rate + sample) / 2
    this.#rate = rate
    this.#busyBytes = 0
    this.#busyMs = 0
    const sized = Math.round(Math.min(this.#max, Math.max(this.#min, rate * this.#horizonMs)))
    // Never below what just proved too little (the doubling above), within one sample.
    this.#limit = Math.max(sized, Math.min(this.#limit, sized * 2))
  }
}
