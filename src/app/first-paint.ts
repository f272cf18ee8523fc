/**
 * Resolves once `painted` has settled and the browser has shown a frame after it: work started
 * then (compiling Automerge's wasm, opening documents) cannot delay that first paint.
 */
export async function afterPaintOf(
  painted: Promise<unknown>,
  frame: (callback: () => void) => void = (callback) => requestAnimationFrame(callback),
): Promise<void> {
  await painted.catch(() => undefined)
  // A rAF callback runs just before the frame is drawn; a task queued from it runs after.
  await new Promise<void>((resolve) => frame(() => setTimeout(resolve, 0)))
}
