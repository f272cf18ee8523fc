/** Time and timers, injected so tests can drive them and Node and browsers share code. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): ClockTimer
  /** Does nothing for `undefined` or a timer that already fired. */
  clearTimeout(timer: ClockTimer | undefined): void
}

/** An opaque timer handle. */
export type ClockTimer = { readonly __brand: 'ClockTimer' }

/** The platform's clock (Date.now and the global timers). */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms) as unknown as ClockTimer,
    clearTimeout: (timer) => globalThis.clearTimeout(timer as unknown as number),
  }
}

/**
 * The platform's monotonic clock (performance.now and the global timers): a wall-clock change
 * must not make a live connection look dead.
 */
export function monotonicClock(): Clock {
  return { ...systemClock(), now: () => performance.now() }
}

/** Calls `callback` every `ms` until the returned function is called. */
export function every(clock: Clock, ms: number, callback: () => void): () => void {
  let stopped = false
  let timer: ClockTimer
  const tick = (): void => {
    if (stopped) return
    timer = clock.setTimeout(tick, ms)
    callback()
  }
  timer = clock.setTimeout(tick, ms)
  return () => {
    stopped = true
    clock.clearTimeout(timer)
  }
}
