/**
 * A read of an outside value kept between the changes `listen` reports: while anyone listens
 * through the returned `listen`, `read` reads once per reported change; with nobody listening
 * (so no change would be heard) it reads afresh every time.
 */
export function memoizedRead<T>(
  read: () => T,
  listen: (update: () => void) => () => void,
): { read: () => T; listen: (update: () => void) => () => void } {
  let listeners = 0
  let cached: { value: T } | undefined
  return {
    read() {
      if (listeners === 0) return read()
      cached ??= { value: read() }
      return cached.value
    },
    listen(update) {
      listeners++
      // Anything read before this listener came could be stale by now.
      cached = undefined
      const off = listen(() => {
        cached = undefined
        update()
      })
      return () => {
        off()
        listeners--
        cached = undefined
      }
    },
  }
}
