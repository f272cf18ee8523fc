export interface BackoffOptions {
  /** Delay cap of the first retry. */
  readonly baseMs: number
  /** Upper bound of any delay. */
  readonly maxMs: number
}

/**
 * Exponential backoff with jitter: retry `attempt` (0-based) waits a random time between half
 * and all of min(maxMs, baseMs·2^attempt), so peers that lost each other do not retry in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number) {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30))
  return cap / 2 + (random() * cap) / 2
}
