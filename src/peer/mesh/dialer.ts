import type { Identity } from '../identity/identity.ts'
import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { Signaling } from '../signaling/signaling.ts'
import type { DataPipe } from '../transport/pipe.ts'
import { backoffDelay, DEFAULT_MAX_BACKOFF_MS, type BackoffOptions } from '../../lib/backoff.ts'
import type { Clock, ClockTimer } from '../../lib/clock.ts'
import { startTrace } from '../../lib/start-trace.ts'
import type { LinkRegistry } from './link-registry.ts'

/** A link that stayed up this long resets the backoff. */
const STABLE_LINK_MS = 10_000

/** Authenticates a pipe (H2's createLink fits). Rejects when the far end cannot prove `expectedPeer`. */
export type LinkFactory = (args: {
  pipe: DataPipe
  identity: Identity
  expectedPeer?: PeerId
  /** See LinkOptions.keepRestarting. */
  options?: { keepRestarting?: () => boolean }
}) => Promise<Link>

export interface DialerDeps {
  readonly identity: Identity
  readonly clock: Clock
  readonly random: () => number
  readonly createLink: LinkFactory
  /** The signalings to try for `peer`, best first; empty when none can reach it now. */
  readonly routesTo: (peer: PeerId) => Signaling[]
  readonly registry: LinkRegistry
  /** Whether the mesh still wants a link to this peer. */
  readonly wanted: (peer: PeerId) => boolean
  readonly backoff: BackoffOptions
  /** Peers to dial at once whatever the ID order (they are not expecting us). */
  readonly eager: (peer: PeerId) => boolean
  /** How long the higher ID waits for the lower to dial first. */
  readonly glareDelayMs: number
  /** Upper bound for one attempt (signaling plus authentication). */
  readonly dialTimeoutMs: number
  readonly log: (message: string) => void
  /** An attempt failed over every route: `reason` names the last failure. */
  readonly dialFailed?: (peer: PeerId, reason: string) => void
  /**
   * Whether `peer` is still present on signaling: then a failure is the path's (a network
   * blip, a cut TURN route), not the peer's absence, and retries stay short so the link is
   * back soon after the path.
   */
  readonly present?: (peer: PeerId) => boolean
  /**
   * Whether first-contact signaling reaches `peer` now. Only a dial begun while it did is kept
   * when the peer reappears there: one begun before went over the mesh's last-resort route, or
   * to a route the mesh remembered from the peer's previous instance.
   */
  readonly onSignaling?: (peer: PeerId) => boolean
  /** Whether a link to `peer` whose path is lost should keep restarting it (the peer is around). */
  readonly keepPath?: (peer: PeerId) => boolean
}

/** Upper bound of the retry delay while the peer is still present on signaling. */
const PRESENT_MAX_BACKOFF_MS = 2000
/**
 * A dial younger than this is kept when its peer (re)appears: it began about when the peer
 * did, so it is likely aimed at the peer's current instance, and restarting it on every
 * replayed "joined" (one per shared topic, one per signaling reconnect) only delays the link.
 */
const FRESH_DIAL_MS = 3000

/**
 * Opens links to wanted peers and takes incoming ones. The lower peer ID of a pair dials at
 * once, the higher only after `glareDelayMs`, so usually just one side dials. A failed or
 * dropped link is retried with exponential backoff and jitter. Each attempt tries the
 * signalings `routesTo` names, in order.
 */
export class Dialer {
  readonly #deps: DialerDeps
  readonly #self: PeerId
  readonly #timers = new Map<PeerId, ClockTimer>()
  readonly #attempts = new Map<PeerId, number>()
  readonly #dialing = new Map<PeerId, AbortController>()
  /** When each dial began, and whether first-contact signaling reached its peer then. */
  readonly #dialStarted = new Map<PeerId, { at: number; onSignaling: boolean }>()
  readonly #upSince = new Map<PeerId, number>()
  #closed = false

  constructor(deps: DialerDeps) {
    this.#deps = deps
    this.#self = deps.identity.peerId
  }

  /** Makes sure a link to `peer` is on its way if it is wanted and missing. */
  want(peer: PeerId): void {
    const attempt = this.#attempts.get(peer) ?? 0
    // A first dial held back for glare is moot once the peer turns out not to expect us.
    if (attempt === 0 && this.#deps.eager(peer)) this.#cancelTimer(peer)
    if (!this.#needsDial(peer) || this.#timers.has(peer) || this.#dialing.has(peer)) return
    const glare = this.#self < peer || this.#deps.eager(peer) ? 0 : this.#deps.glareDelayMs
    const backoff = this.#deps.present?.(peer)
      ? {
          ...this.#deps.backoff,
          maxMs: Math.min(
            this.#deps.backoff.maxMs ?? DEFAULT_MAX_BACKOFF_MS,
            PRESENT_MAX_BACKOFF_MS,
          ),
        }
      : this.#deps.backoff
    const delay =
      glare + (attempt === 0 ? 0 : backoffDelay(attempt - 1, backoff, this.#deps.random))
    this.#timers.set(
      peer,
      this.#deps.clock.setTimeout(() => {
        this.#timers.delete(peer)
        void this.#dial(peer)
      }, delay),
    )
  }

  /** Forgets the backoff for `peer` (it just appeared) and dials soon. */
  retrySoon(peer: PeerId): void {
    // The peer (re)appeared, e.g. reopened in another tab: a dial still waiting on its earlier
    // instance is stale, and would make us ignore the new one's offers (glare) until it timed out.
    const stale = this.#dialing.get(peer)
    if (stale) {
      const started = this.#dialStarted.get(peer)
      const age = this.#deps.clock.now() - (started?.at ?? 0)
      // A dial begun while the peer was away is aimed at nothing or at its previous instance:
      // kept, it would hold the link back until it timed out.
      if (age < FRESH_DIAL_MS && started?.onSignaling !== false) {
        this.#attempts.delete(peer) // should it fail, the next try comes quickly
        return
      }
      this.#dialing.delete(peer)
      stale.abort()
    }
    this.#attempts.delete(peer)
    this.#cancelTimer(peer)
    this.want(peer)
  }

  /**
   * Dials a fresh link to `peer` beside its current one, whose path is back but which has
   * heard nothing yet: what was sent during the outage waits for the transport's retransmission
   * timer, which grows while the path is down (seconds after a long outage), while a new
   * connection is up in a few round trips. The registry lets the restarting link give way once
   * the new one is open; a failure leaves the current link as it is.
   */
  refresh(peer: PeerId): void {
    if (this.#closed || this.#dialing.has(peer) || !this.#deps.wanted(peer)) return
    if (this.#deps.registry.links.get(peer)?.path !== 'restarting') return
    void this.#dial(peer, true)
  }

  /** A link to `peer` is up: no more retries pending. */
  linked(peer: PeerId): void {
    this.#upSince.set(peer, this.#deps.clock.now())
    this.#cancelTimer(peer)
  }

  /**
   * The link to `peer` went down. After a link that lasted, the next dial waits one short
   * backoff step; after one that did not (refused, flapping), the backoff keeps growing.
   */
  dropped(peer: PeerId): void {
    const upSince = this.#upSince.get(peer)
    this.#upSince.delete(peer)
    if (upSince !== undefined && this.#deps.clock.now() - upSince >= STABLE_LINK_MS) {
      this.#attempts.set(peer, 1)
    }
    this.want(peer)
  }

  /** A link that stayed up this long resets the backoff. */
  STABLE_LINK_MS = 10_000

  /**
   * Authenticates a pipe a remote peer opened to us, or one obtained elsewhere (manual
   * pairing): `dialedBy` says which side started it, for resolving duplicates. Resolves with
   * the peer's link once one is kept; rejects when refused or authentication fails.
   */
  accept(peer: PeerId, pipe: DataPipe, dialedBy: PeerId = peer): Promise<Link> {
    if (this.#closed || this.#deps.registry.isRefused(peer)) {
      pipe.close(this.#closed ? 'mesh closed' : 'refused')
      const refused = Promise.reject(
        new Error(this.#closed ? 'the mesh is closed' : `${peer} is refused`),
      )
      refused.catch(() => {}) // an incoming pipe's caller does not wait for the outcome
      return refused
    }
    startTrace('accept', peer)
    const kept = this.#authenticate(pipe, peer).then(
      (link) => {
        this.#adopt(link, dialedBy)
        const current = this.#deps.registry.links.get(peer)
        if (!current) throw new Error(`the link to ${peer} was not kept (refused or closed)`)
        return current
      },
      (error: unknown) => {
        this.#deps.log(`incoming link from ${peer} failed: ${errorText(error)}`)
        pipe.close('authentication failed')
        throw error
      },
    )
    kept.catch(() => {})
    return kept
  }

  close(): void {
    this.#closed = true
    for (const timer of this.#timers.values()) this.#deps.clock.clearTimeout(timer)
    this.#timers.clear()
    for (const controller of this.#dialing.values()) controller.abort()
    this.#dialing.clear()
  }

  #needsDial(peer: PeerId): boolean {
    const { registry } = this.#deps
    return (
      !this.#closed &&
      peer !== this.#self &&
      this.#deps.wanted(peer) &&
      !registry.links.has(peer) &&
      !registry.isRefused(peer)
    )
  }

  /** `refresh`: a link to `peer` exists, restarting its path (see refresh()). */
  async #dial(peer: PeerId, refresh = false): Promise<void> {
    if ((!refresh && !this.#needsDial(peer)) || this.#dialing.has(peer)) return
    const controller = new AbortController()
    startTrace('dial', peer)
    this.#dialing.set(peer, controller)
    this.#dialStarted.set(peer, {
      at: this.#deps.clock.now(),
      onSignaling: this.#deps.onSignaling?.(peer) ?? true,
    })
    if (!refresh) this.#attempts.set(peer, (this.#attempts.get(peer) ?? 0) + 1)
    const linked = () => {
      const link = this.#deps.registry.links.get(peer)
      return link !== undefined && (!refresh || link.path !== 'restarting')
    }
    let failure = 'no route: the peer is not present on any signaling'
    // A refresh goes through first contact: the mesh's way to the peer is mostly the stuck link.
    const routes = this.#deps.routesTo(peer).filter((via) => !refresh || via.kind !== 'mesh')
    for (const signaling of routes) {
      if (controller.signal.aborted || linked()) break
      try {
        const link = await this.#attempt(signaling, peer, controller.signal)
        this.#dialing.delete(peer)
        this.#adopt(link, this.#self)
        return
      } catch (error) {
        if (this.#closed) return
        failure = errorText(error)
        this.#deps.log(`dial ${peer} via ${signaling.kind} failed: ${failure}`)
      }
    }
    // An attempt aborted because a newer one replaced it (retrySoon) is not a failure.
    const replaced = this.#dialing.get(peer) !== controller
    if (!replaced) this.#dialing.delete(peer)
    if (refresh) return // the current link stays, restarting its path as before
    if (!replaced && !this.#closed && !this.#deps.registry.links.has(peer)) {
      this.#deps.dialFailed?.(peer, failure)
    }
    this.want(peer)
  }

  async #attempt(signaling: Signaling, peer: PeerId, cancel: AbortSignal): Promise<Link> {
    const controller = new AbortController()
    const abort = () => controller.abort()
    cancel.addEventListener('abort', abort)
    const timer = this.#deps.clock.setTimeout(abort, this.#deps.dialTimeoutMs)
    try {
      const pipe = await abortable(
        signaling.connect(peer, { signal: controller.signal }),
        controller.signal,
        (late) => late.close('dial abandoned'),
      )
      startTrace('pipe', peer)
      return await abortable(this.#authenticate(pipe, peer), controller.signal, (late) =>
        late.close('dial abandoned'),
      ).catch((error: unknown) => {
        pipe.close('authentication failed')
        throw error
      })
    } finally {
      this.#deps.clock.clearTimeout(timer)
      cancel.removeEventListener('abort', abort)
    }
  }

  #authenticate(pipe: DataPipe, peer: PeerId): Promise<Link> {
    const keepPath = this.#deps.keepPath
    return this.#deps.createLink({
      pipe,
      identity: this.#deps.identity,
      expectedPeer: peer,
      ...(keepPath ? { options: { keepRestarting: () => keepPath(peer) } } : {}),
    })
  }

  #adopt(link: Link, dialedBy: PeerId): void {
    if (this.#closed) {
      link.close('mesh closed')
      return
    }
    startTrace('link-up', link.remote)
    if (this.#deps.registry.adopt(link, dialedBy)) this.linked(link.remote)
  }

  #cancelTimer(peer: PeerId): void {
    const timer = this.#timers.get(peer)
    if (timer !== undefined) this.#deps.clock.clearTimeout(timer)
    this.#timers.delete(peer)
  }
}

/** Settles with `promise`, or rejects once `signal` aborts; a late result goes to `onLate`. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal, onLate: (value: T) => void) {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('timed out or cancelled'))
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        if (signal.aborted) onLate(value)
        else resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
