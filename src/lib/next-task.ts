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

/** The Prioritized Task Scheduling API, where the platform has it (Chromium, Firefox). */
interface TaskScheduler {
  postTask(callback: () => void, options: { priority: 'background' }): Promise<void>
}

/**
 * Resolves in a new task of background priority where the platform can say so (the scheduler's
 * `postTask`): it runs once nothing more urgent waits (network messages, input, rendering), so
 * a long job in slices gives way to them. Elsewhere, as `nextTask`.
 */
export function backgroundTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler
  if (typeof scheduler?.postTask !== 'function') return nextTask()
  return scheduler.postTask(() => {}, { priority: 'background' })
}
