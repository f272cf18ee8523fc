/** The clock and timers coalescing uses (the browser's by default; tests pass their own). */
export interface UpdateTimers {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
  /**
   * Runs `fn` right before the next frame is painted; returns how to cancel. Absent, updates are
   * passed on as soon as they are due.
   */
  frame?: (fn: () => void) => () => void
  /**
   * Runs `fn` once the current task's work is done (a microtask); returns how to cancel. Where
   * given, urgent changes are looked at then rather than at the next frame.
   */
  soon?: (fn: () => void) => () => void
}

/** The browser's clock and timers. */
export const browserTimers: UpdateTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** A hidden page gets no frames: after this long an update goes through without one. */
const FRAME_FALLBACK_MS = 250

/**
 * Browser timers that also align updates with animation frames: the changes of one frame (a
 * message arriving and its signature check a moment later) render once, right before paint.
 */
export function frameTimers(): UpdateTimers {
  return {
    ...browserTimers,
    frame(fn) {
      let done = false
      const cancel = () => {
        done = true
        cancelAnimationFrame(frame)
        clearTimeout(fallback)
      }
      // Whichever comes first, the frame or the fallback, runs `fn` and cancels the other.
      const once = () => {
        if (done) return
        cancel()
        fn()
      }
      const frame = requestAnimationFrame(once)
      const fallback = setTimeout(once, FRAME_FALLBACK_MS)
      return cancel
    },
    soon(fn) {
      let live = true
      queueMicrotask(() => {
        if (live) fn()
      })
      return () => (live = false)
    },
  }
}

/**
 * Wraps an ExternalState `listen` so that a burst of changes (a big import writes a batch every
 * few tens of milliseconds) re-renders at most once per `intervalMs`: the first change of a quiet
 * spell is passed on at once (or at the next frame, with `timers.frame`), later ones in the
 * interval fold into one call at its end.
 *
 * `urgent`, when given, is asked (after a change within the interval, once the task that made
 * it is done, or at the next frame without `timers.soon`) whether what changed cannot wait for
 * the interval's end, say a new chat message among many receipts: then it is passed on at once.
 */
export function coalesceUpdates(
  listen: (update: () => void) => () => void,
  intervalMs: number,
  timers: UpdateTimers = browserTimers,
  urgent?: () => boolean,
): (update: () => void) => () => void {
  return (update) => {
    let last = -Infinity
    let pending: unknown
    let cancelFrame: (() => void) | undefined
    let cancelProbe: (() => void) | undefined
    const fire = () => {
      if (pending !== undefined) timers.clearTimeout(pending)
      cancelProbe?.()
      pending = undefined
      cancelFrame = undefined
      cancelProbe = undefined
      last = timers.now()
      update()
    }
    const due = () => {
      if (timers.frame) cancelFrame = timers.frame(fire)
      else fire()
    }
    const probe = () => {
      cancelProbe = undefined
      if (pending !== undefined && urgent?.()) fire()
    }
    const off = listen(() => {
      if (cancelFrame) return
      if (pending === undefined) {
        const wait = last + intervalMs - timers.now()
        if (wait <= 0) return due()
        pending = timers.setTimeout(() => {
          pending = undefined
          cancelProbe?.()
          cancelProbe = undefined
          due()
        }, wait)
      }
      if (!urgent || cancelProbe) return
      const look = timers.soon ?? timers.frame
      if (look) cancelProbe = look(probe)
      else probe()
    })
    return () => {
      off()
      if (pending !== undefined) timers.clearTimeout(pending)
      cancelFrame?.()
      cancelProbe?.()
    }
  }
}
