/** Marks kept per process: enough for a start-up and its first catch-up, never more. */
const MAX_MARKS = 200
let marked = 0

/**
 * Notes a step of this device's start-up or first catch-up (layers loaded, first link, the
 * first repo messages each way) as a User Timing mark named `peerplace:<step>`, so benchmarks
 * and the browser's performance panel can see where a slow start went. Only the first
 * `MAX_MARKS` are kept: a long-running device does not collect marks.
 */
export function startTrace(step: string, detail?: string): void {
  if (marked >= MAX_MARKS || typeof performance?.mark !== 'function') return
  marked++
  performance.mark(`peerplace:${step}`, detail === undefined ? undefined : { detail })
}
