/**
 * Wraps an ExternalState `listen` so that a burst of changes (a big import writes a batch every
 * few tens of milliseconds) re-renders at most once per `intervalMs`: the first change of a quiet
 * spell is passed on at once, later ones in the interval fold into one call at its end.
 */
export function coalesceUpdates(
  listen: (update: () => void) => () => void,
  intervalMs: number,
  timers: {
    now: () => number
    setTimeout: (fn: () => void, ms: number) => unknown
    clearTimeout: (handle: unknown) => void
  } = {
    now: () => performance.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
): (update: () => void) => () => void {
  return (update) => {
    let last = -Infinity
    let pending: unknown
    const fire = () => {
      pending = undefined
      last = timers.now()
      update()
    }
    const off = listen(() => {
      if (pending !== undefined) return
      const wait = last + intervalMs - timers.now()
      if (wait <= 0) fire()
      else pending = timers.setTimeout(fire, wait)
    })
    return () => {
      off()
      if (pending !== undefined) timers.clearTimeout(pending)
    }
  }
}
