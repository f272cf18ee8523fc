import { every, type Clock } from '../../lib/clock.ts'
import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'

export interface QuietLinksOptions {
  readonly clock: Clock
  /** A linked peer heard from by no frame for longer than this is quiet. */
  readonly quietAfterMs: number
  /** How often the links' silence is looked at. */
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
 * A look that comes late means this thread itself was stalled: the peers' frames from meanwhile
 * may still wait in the queue behind the timer, so that look judges nobody.
 */
export class QuietLinks {
  readonly #options: QuietLinksOptions
  readonly #quiet = new Set<PeerId>()
  readonly #stop: () => void
  #lastCheckAt: number

  constructor(options: QuietLinksOptions) {
    this.#options = options
    this.#lastCheckAt = options.clock.now()
    this.#stop = every(options.clock, options.checkEveryMs, () => this.check())
  }

  has(peer: PeerId): boolean {
    return this.#quiet.has(peer)
  }

  /** Looks at every link's silence now; tells `onChange` if the quiet set changed. */
  check(): void {
    const { clock, checkEveryMs, quietAfterMs } = this.#options
    const now = clock.now()
    const stalled = now - this.#lastCheckAt > checkEveryMs * 2 + 250
    this.#lastCheckAt = now
    if (stalled) return
    const quiet = new Set<PeerId>()
    for (const [peer, link] of this.#options.links()) {
      if (link && link.silentForMs > quietAfterMs) quiet.add(peer)
    }
    const same = quiet.size === this.#quiet.size && [...quiet].every((p) => this.#quiet.has(p))
    if (same) return
    this.#quiet.clear()
    for (const peer of quiet) this.#quiet.add(peer)
    this.#options.onChange()
  }

  close(): void {
    this.#stop()
    this.#quiet.clear()
  }
}
