/**
 * Resolves in a new task of the event loop, so that input, rendering and other tasks can run in
 * between (as a long job's pause between slices). A chain of `setTimeout(0)` is held back at
 * least 4 ms per step after five nested steps (HTML timers); a message on a MessageChannel is not.
 * Where there is no MessageChannel it falls back to setTimeout.
 */
export function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0))
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(undefined)
  })
}
