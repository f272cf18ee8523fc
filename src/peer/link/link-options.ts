import { monotonicClock, type Clock } from '../../lib/clock.ts'
import { verifyEd25519 } from '../identity/verify.ts'
import type { VerifySignature } from './handshake.ts'

export interface LinkOptions {
  /** How often a ping is sent. Default 1000 ms. */
  heartbeatIntervalMs?: number
  /** A peer silent this long is offline: the link closes with 'timeout'. Default 3000 ms. */
  offlineAfterMs?: number
  /**
   * When the pipe can restart its network path (ICE restart), a silent peer or a lost path
   * first gets this long to come back on the same connection before the link closes with
   * 'timeout'. Default 20 000 ms.
   */
  pathRestartWindowMs?: number
  /**
   * Asked each time a lost path outlasts `pathRestartWindowMs`: true keeps the link restarting
   * (the peer is known to be around, e.g. still present on signaling, so the path is what is
   * gone and a restart brings it back sooner than a fresh dial), for up to `pathHoldMaxMs`
   * after the loss. Default: never.
   */
  keepRestarting?: () => boolean
  /** Upper bound of a lost path's wait while `keepRestarting` says yes. Default 10 min. */
  pathHoldMaxMs?: number
  /** The handshake must finish within this. Default 10 000 ms. */
  handshakeTimeoutMs?: number
  /** Invalid frames tolerated before closing with 'protocol-error'. Default 10. */
  maxViolations?: number
  /** Largest application message, and the reassembly cap per pipe. Default 64 MiB. */
  maxMessageBytes?: number
  /**
   * The most the main pipe's buffer holds; the rest waits in the link's lanes. Less on a slow
   * path: about a quarter second of its measured rate (pipe-budget.ts). Default 1 MiB.
   */
  highWaterMark?: number
  /**
   * The most the bulk pipe's buffer holds (`sendBulk` waits while it is full); less on a slow
   * path: about a second of its measured rate. Default 4 MiB.
   */
  bulkHighWaterMark?: number
  /**
   * The largest frame sent; longer messages go in fragments. Default 16 KiB. One data channel
   * message holds the whole connection until it is sent (SCTP without message interleaving), so
   * on a slow path a big one kept heartbeats and chat waiting for seconds, long enough for the
   * far end to think the path lost.
   */
  frameBytes?: number
  /**
   * The link's timers (handshake deadline, heartbeats, silence checks) and its time: a
   * monotonic clock by default (liveness must not jump with the wall clock). Tests pass a
   * fake one to move time themselves.
   */
  clock?: Clock
  /** The time the link reads; the clock's by default. */
  now?: () => number
  /** Where dropped-frame reasons go; console.warn by default. */
  log?: (message: string) => void
  /** Ed25519 verification; the identity module's by default. */
  verify?: VerifySignature
}

export type ResolvedLinkOptions = Required<LinkOptions>

export function resolveLinkOptions(options: LinkOptions = {}): ResolvedLinkOptions {
  const clock = options.clock ?? monotonicClock()
  return {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
    offlineAfterMs: options.offlineAfterMs ?? 3000,
    pathRestartWindowMs: options.pathRestartWindowMs ?? 20_000,
    keepRestarting: options.keepRestarting ?? (() => false),
    pathHoldMaxMs: options.pathHoldMaxMs ?? 600_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    maxViolations: options.maxViolations ?? 10,
    maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024,
    highWaterMark: options.highWaterMark ?? 1024 * 1024,
    bulkHighWaterMark: options.bulkHighWaterMark ?? 4 * 1024 * 1024,
    frameBytes: options.frameBytes ?? 16 * 1024,
    clock,
    now: options.now ?? (() => clock.now()),
    log: options.log ?? ((message) => console.warn(`[link] ${message}`)),
    verify: options.verify ?? verifyEd25519,
  }
}
