import type { PeerId } from '../../peer/ids.ts'

/**
 * A change's heads go out this long after it at most (a report per change would be a flood), to
 * the Syncer, and from the Syncer to everyone: what every badge and the Syncer's plans go by.
 */
export const REPORT_AFTER_MS = 250
/**
 * Members other than the Syncer tell each other their heads only for the member list, so in a
 * big group each sends them about this many reports a second in all, not four to each member
 * (that is 4 n (n - 1) reports a second across a busy group of n)...
 */
const PEER_REPORTS_PER_S = 8
/** ...but each member hears from every other at least this often while changes go on. */
const MAX_PEER_REPORT_MS = 2000

/**
 * Which online members get this device's heads, and when, while its documents change: the
 * Syncer's side within `REPORT_AFTER_MS`, the other members at most every `peerIntervalMs`
 * (the same 250 ms in a group of three), and everyone once changes stop.
 */
export class ReportFanout {
  readonly #o: ReportFanoutOptions
  #timer: ReturnType<typeof setTimeout> | undefined
  /** A report due to the members other than the Syncer. */
  #peerTimer: ReturnType<typeof setTimeout> | undefined
  /** When they were last sent one. */
  #peersToldAt = -Infinity

  constructor(options: ReportFanoutOptions) {
    this.#o = options
  }

  /** Something changed: a report goes out soon, even while changes go on. */
  changed(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.#reportChange()
    }, REPORT_AFTER_MS)
  }

  /** Reports to every online member now. */
  all(): void {
    clearTimeout(this.#peerTimer)
    this.#peerTimer = undefined
    this.#peersToldAt = this.#o.clock()
    this.#o.send(this.#o.others())
  }

  /**
   * How often, at most, members other than the Syncer tell each other their heads while changes
   * go on, with `others` other members online: so that each sends about `PEER_REPORTS_PER_S`.
   */
  peerIntervalMs(others = this.#o.others().length): number {
    const spread = (others * 1000) / PEER_REPORTS_PER_S
    return Math.min(MAX_PEER_REPORT_MS, Math.max(REPORT_AFTER_MS, spread))
  }

  close(): void {
    clearTimeout(this.#timer)
    clearTimeout(this.#peerTimer)
    this.#timer = this.#peerTimer = undefined
  }

  #reportChange(): void {
    const others = this.#o.others()
    const syncer = this.#o.syncer()
    const hub = syncer === this.#o.self ? others : others.filter((peer) => peer === syncer)
    const rest = others.length - hub.length
    const interval = this.peerIntervalMs(others.length)
    if (rest === 0 || this.#o.clock() - this.#peersToldAt >= interval) return this.all()
    this.#o.send(hub)
    this.#peerTimer ??= setTimeout(
      () => {
        this.#peerTimer = undefined
        this.all()
      },
      this.#peersToldAt + interval - this.#o.clock(),
    )
  }
}

export interface ReportFanoutOptions {
  self: PeerId
  /** The workplace's other members online now. */
  others: () => PeerId[]
  syncer: () => PeerId
  /** Sends the current heads to `peers` (also called with none: the caller keeps watching). */
  send: (peers: readonly PeerId[]) => void
  clock: () => number
}
