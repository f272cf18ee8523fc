/** Bytes a holder's window is kept at, in seconds of its measured pace. */
const WINDOW_SECONDS = 4
/**
 * The pace assumed for a holder's first chunk, before any has come: slower than this (64 kbit/s,
 * the worst of mobile data), a holder counts as stalled.
 */
const FIRST_BYTES_PER_MS = 8
/** A wait for the next chunk is a stall past this many times what the pace says it takes. */
const STALL_FACTOR = 3
/** The weight of each new measurement in the pace. */
const SMOOTHING = 0.3

/**
 * How fast one holder delivers chunks, and what follows from it for a download:
 *
 * - how many bytes to keep asked of it: a few seconds' worth, at least two chunks. A holder on a
 *   slow path is not asked for megabytes it would take minutes to send; once sent they cannot
 *   be called back, so dropping such a holder would waste them all.
 * - how long a wait for its next chunk is a stall. A chunk reaches the download whole, and
 *   nothing of it shows until all of it has come: on a slow path a fixed wait dropped the holder
 *   (and threw away what it was sending) before any chunk could arrive, again and again.
 *
 * The pace is measured from arrivals: each chunk's bytes over the time since the one before it
 * (or since the holder was asked, when it had nothing outstanding), which the download keeps.
 */
export class SourcePace {
  readonly #minChunks: number
  readonly #maxWindow: number
  readonly #stallMs: number
  /** Bytes per millisecond; null until a chunk came. */
  #rate: number | null = null

  /**
   * @param maxWindow the most bytes kept asked of a holder, however fast
   * @param stallMs the shortest wait that counts as a stall
   */
  constructor(options: { maxWindow: number; stallMs: number; minChunks?: number }) {
    this.#maxWindow = options.maxWindow
    this.#stallMs = options.stallMs
    this.#minChunks = options.minChunks ?? 2
  }

  /** Bytes per second measured so far, or null before the first chunk. */
  get bytesPerSecond(): number | null {
    return this.#rate === null ? null : this.#rate * 1000
  }

  /**
   * A chunk of `bytes` came `elapsedMs` after the one before it, or after the holder was asked
   * for it when it had nothing outstanding.
   */
  arrived(bytes: number, elapsedMs: number): void {
    // Chunks read from one message burst can arrive in the same millisecond.
    const sample = bytes / Math.max(1, elapsedMs)
    this.#rate = this.#rate === null ? sample : this.#rate + SMOOTHING * (sample - this.#rate)
  }

  /** The holder stalled: its path may have become much slower than measured. */
  stalled(): void {
    if (this.#rate !== null) this.#rate /= 4
  }

  /** Bytes to keep asked of the holder, with chunks of `chunkBytes`. */
  window(chunkBytes: number): number {
    const least = this.#minChunks * chunkBytes
    const paced = this.#rate === null ? 0 : this.#rate * WINDOW_SECONDS * 1000
    return Math.min(this.#maxWindow, Math.max(least, paced))
  }

  /** How long to wait for the next chunk of `chunkBytes` before the holder counts as stalled. */
  stallAfter(chunkBytes: number): number {
    const wait =
      this.#rate === null
        ? chunkBytes / FIRST_BYTES_PER_MS
        : (STALL_FACTOR * chunkBytes) / this.#rate
    return Math.max(this.#stallMs, wait)
  }
}
