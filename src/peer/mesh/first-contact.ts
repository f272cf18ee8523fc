import type { PeerId, Topic } from '../ids.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Signaling } from '../signaling/signaling.ts'

/**
 * The mesh's first-contact signaling (a relay, a PeerJS broker…) and the topics joined on it:
 * which peers it can tell are present, and whether a dial signalled through it can arrive.
 */
export class FirstContact {
  readonly signaling: Signaling
  readonly #topics = new Set<Topic>()
  readonly #clock: Clock
  /**
   * Peers announced here ('peer-joined'), and when, until a link to them comes up or they leave:
   * each may be a new instance (a reload, another tab) that routes learnt before do not lead to.
   */
  readonly #arrivals = new Map<PeerId, number>()

  constructor(signaling: Signaling, clock: Clock) {
    this.signaling = signaling
    this.#clock = clock
  }

  /** The signaling announced `peer`. */
  arrived(peer: PeerId): void {
    this.#arrivals.set(peer, this.#clock.now())
  }

  /** The signaling announced that `peer` left a topic; forgotten once it is in none of ours. */
  departed(peer: PeerId): void {
    if (!this.isPresent(peer)) this.#arrivals.delete(peer)
  }

  /** A link to `peer` is up: the instance we reach is the current one. */
  linked(peer: PeerId): void {
    this.#arrivals.delete(peer)
  }

  /** `peer` appeared here less than `ms` ago and no link to it has come up since. */
  newlyArrived(peer: PeerId, ms: number): boolean {
    const at = this.#arrivals.get(peer)
    return at !== undefined && this.#clock.now() - at < ms
  }

  join(topic: Topic): void {
    this.#topics.add(topic)
    this.signaling.join(topic)
  }

  leave(topic: Topic): void {
    this.#topics.delete(topic)
    this.signaling.leave(topic)
  }

  /** Leaves every joined topic (the mesh closes; the signaling itself is not closed). */
  leaveAll(): void {
    for (const topic of this.#topics) this.signaling.leave(topic)
  }

  /**
   * Peers present on the open signaling in a topic we share; undefined when it cannot tell
   * (not open, or no topic joined).
   */
  present(): ReadonlySet<PeerId> | undefined {
    if (this.signaling.state !== 'open' || this.#topics.size === 0) return undefined
    return new Set([...this.#topics].flatMap((topic) => this.signaling.peers(topic)))
  }

  /** The peer is on the open signaling in a topic we share. */
  isPresent(peer: PeerId): boolean {
    return this.present()?.has(peer) ?? false
  }

  /**
   * A dial signalled here can arrive: the signaling is open and, once topics are joined, the
   * peer is present in one (before that, nothing tells us it is not).
   */
  reaches(peer: PeerId): boolean {
    if (this.signaling.state !== 'open') return false
    return this.#topics.size === 0 || this.isPresent(peer)
  }
}
