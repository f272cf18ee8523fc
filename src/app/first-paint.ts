/**
 * Resolves once `painted` has settled and the browser has shown a frame after it: work started
 * then (compiling Automerge's wasm, opening documents) cannot delay that first paint.
 */
export async function afterPaintOf(
  painted: Promise<unknown>,
  frame: (callback: () => void) => void = (callback) => requestAnimationFrame(callback),
): Promise<void> {
  await painted.catch(() => undefined)
  // A rAF callback runs just before its frame is drawn; by the next frame's callback that frame
  // has been presented (and its paint timed), and a task queued from there runs after. Requests
  // started earlier would be counted as work the largest paint waited for.
  await new Promise<void>((resolve) => frame(() => frame(() => setTimeout(resolve, 0))))
}
