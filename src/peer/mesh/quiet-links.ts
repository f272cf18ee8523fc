import type { Clock, ClockTimer } from '../../lib/clock.ts'
import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'

export interface QuietLinksOptions {
  readonly clock: Clock
  /** A linked peer heard from by no frame for longer than this is quiet. */
  readonly quietAfterMs: number
  /**
   * How often the links' silence is looked at while a peer is quiet (to see it speak again),
   * and the least time between two looks otherwise.
   */
  readonly checkEveryMs: number
  /** The links to watch, by peer. */
  readonly links: () => Iterable<[PeerId, Pick<Link, 'silentForMs'> | undefined]>
  /** Told when the set of quiet peers changed. */
  readonly onChange: () => void
}

/**
 * Which linked peers have gone quiet: nothing heard from them (no heartbeat, no data) for
 * `quietAfterMs`, well before the link's own timeout calls them gone. A crashed peer is quiet
 * long before its links drop; so is one whose tab is merely busy, which is why quiet is only a
 * suspicion (presence stops counting the peer as responsive, e.g. as the Syncer) and the link
 * itself stays. The peer is no longer quiet as soon as a frame of it is heard.
 *
 * While nobody is quiet, the next look is when the peer heard from longest ago would turn
 * quiet, not every `checkEveryMs`: heartbeats keep every link speaking, so an idle page wakes
 * about once a second for this instead of ten times (a phone's battery, a busy tab's queue).
 *
 * A look that comes late means this thread itself was stalled: the peers' frames from meanwhile
 * may still wait in the queue behind the timer, so that look judges nobody.
 */
export class QuietLinks {
  readonly #options: QuietLinksOptions
  readonly #quiet = new Set<PeerId>()
  #timer: ClockTimer | undefined
  /** When the pending look is due. */
  #dueAt: number
  #closed = false

  constructor(options: QuietLinksOptions) {
    this.#options = options
    this.#dueAt = options.clock.now()
    this.#lookIn(options.checkEveryMs)
  }

  has(peer: PeerId): boolean {
    return this.#quiet.has(peer)
  }

  /** Looks at every link's silence now; tells `onChange` if the quiet set changed. */
  check(): void {
    const { clock, checkEveryMs, quietAfterMs } = this.#options
    const now = clock.now()
    const stalled = now - this.#dueAt > checkEveryMs + 250
    if (stalled) return this.#lookIn(checkEveryMs)
    const quiet = new Set<PeerId>()
    // Until the next peer could turn quiet; a link with no frame yet has just come up.
    let next = quietAfterMs
    for (const [peer, link] of this.#options.links()) {
      if (!link) continue
      const silent = link.silentForMs
      if (silent > quietAfterMs) quiet.add(peer)
      else next = Math.min(next, quietAfterMs - silent)
    }
    this.#lookIn(quiet.size > 0 ? checkEveryMs : Math.max(checkEveryMs, next + 1))
    const same = quiet.size === this.#quiet.size && [...quiet].every((p) => this.#quiet.has(p))
    if (same) return
    this.#quiet.clear()
    for (const peer of quiet) this.#quiet.add(peer)
    this.#options.onChange()
  }

  close(): void {
    this.#closed = true
    this.#options.clock.clearTimeout(this.#timer)
    this.#quiet.clear()
  }

  #lookIn(ms: number): void {
    if (this.#closed) return
    const { clock } = this.#options
    clock.clearTimeout(this.#timer)
    this.#dueAt = clock.now() + ms
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined
      this.check()
    }, ms)
  }
}
