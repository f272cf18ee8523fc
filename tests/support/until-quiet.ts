import { until } from './until.ts'

/**
 * Resolves once `count()` has not moved for `quietMs` (say, a device's one-off work after
 * opening something is over); throws after `timeoutMs` with `what`.
 */
export async function untilQuiet(
  count: () => number,
  what: string,
  quietMs = 200,
  timeoutMs = 5000,
): Promise<void> {
  let seen = Number.NaN
  await until(
    async () => {
      if (seen === count()) return true
      seen = count()
      await new Promise((resolve) => setTimeout(resolve, quietMs))
      return false
    },
    what,
    timeoutMs,
  )
}
