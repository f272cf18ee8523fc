/** Time and randomness as the signaling adapters see them; injected so tests can drive them. */
export interface CarrierClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(timer: unknown): void
}

export const systemCarrierClock: CarrierClock = {
  // Monotonic: a wall-clock change must not make a live relay connection look dead.
  now: () => performance.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (timer) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>),
}

export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number
  /** Cap. Default 30 s. */
  maxMs?: number
  /** Growth per attempt. Default 2. */
  factor?: number
  /** Fraction of each delay that is random, so clients do not return in lockstep. Default 0.5. */
  jitter?: number
}

/** The delay before retry number `attempt` (0-based): exponential, capped, jittered. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs = 500, maxMs = 30_000, factor = 2, jitter = 0.5 } = options
  const delay = Math.min(maxMs, initialMs * factor ** attempt)
  return Math.round(delay * (1 - jitter * random()))
}
