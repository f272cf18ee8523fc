/** What `within` resolves with when the time ran out first. */
export const LATE: unique symbol = Symbol('late')

/**
 * `promise`'s value, or `LATE` if it has not settled within `ms` (a rejection passes through);
 * the timer is cleared either way, so nothing fires after.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), ms)))
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
