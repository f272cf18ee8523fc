export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number
  /** Cap. Default 30 s. */
  maxMs?: number
  /** Growth per attempt. Default 2. */
  factor?: number
  /** Fraction of each delay that is random, so peers do not retry in step. Default 0.5. */
  jitter?: number
}

/** The default cap of a backoff delay. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000

/**
 * The delay before retry number `attempt` (0-based): exponential, capped, jittered (with the
 * default jitter, between half and all of min(maxMs, initialMs·factor^attempt)), rounded to ms.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs = 500, maxMs = DEFAULT_MAX_BACKOFF_MS, factor = 2, jitter = 0.5 } = options
  const delay = Math.min(maxMs, initialMs * factor ** Math.min(attempt, 1000))
  return Math.round(delay * (1 - jitter * random()))
}
