/** Resolves once the browser has timed a largest paint at or after `since` (or `maxMs` passed). */
export type PaintTimed = (since: number, maxMs: number) => Promise<void>

/**
 * Resolves once `painted` has settled and the browser has shown a frame after it: work started
 * then (compiling Automerge's wasm, opening documents) cannot delay that first paint. Where the
 * browser reports largest paints, it also waits (a little) for that frame's to be timed:
 * requests started before it count as work the largest paint waited for (Lighthouse's LCP).
 */
export async function afterPaintOf(
  painted: Promise<unknown>,
  frame: (callback: () => void) => void = (callback) => requestAnimationFrame(callback),
  paintTimed: PaintTimed | undefined = browserPaintTimed(),
  now: () => number = () => performance.now(),
): Promise<void> {
  await painted.catch(() => undefined)
  const since = now()
  // A rAF callback runs just before its frame is drawn; by the next frame's callback that frame
  // has been drawn, and a task queued from there runs after.
  await new Promise<void>((resolve) => frame(() => frame(() => setTimeout(resolve, 0))))
  // Presenting the frame (when its paint is timed) can lag behind under load.
  await paintTimed?.(since, 250)
}

/** Largest paints as Chromium reports them; undefined where they are not reported. */
function browserPaintTimed(): PaintTimed | undefined {
  const Observer = globalThis.PerformanceObserver as typeof PerformanceObserver | undefined
  if (!Observer?.supportedEntryTypes?.includes('largest-contentful-paint')) return undefined
  return (since, maxMs) =>
    new Promise<void>((resolve) => {
      const done = () => {
        observer.disconnect()
        clearTimeout(timer)
        resolve()
      }
      const observer = new Observer((list) => {
        if (list.getEntries().some((entry) => entry.startTime >= since)) done()
      })
      const timer = setTimeout(done, maxMs)
      observer.observe({ type: 'largest-contentful-paint', buffered: true })
    })
}
