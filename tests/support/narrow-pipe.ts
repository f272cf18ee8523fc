import type { DataPipe } from '../../src/peer/transport/pipe.ts'

/**
 * Wraps one end of a pipe pair so that what it sends leaves at `bytesPerSecond`, whole messages
 * in order, as over a narrow network path: bufferedAmount counts what has not left yet, and
 * `drain` fires when it falls to `lowWaterMark` after being above it. Side channels of the
 * wrapped pipe are not narrowed (on a real connection they share the path; here they need not).
 */
export function narrowPipe(
  inner: DataPipe,
  options: { bytesPerSecond: number; tickMs?: number; lowWaterMark?: number },
): DataPipe & { close(reason?: string): void } {
  const tickMs = options.tickMs ?? 10
  const lowWaterMark = options.lowWaterMark ?? 256 * 1024
  const queue: Uint8Array[] = []
  const drains = new Set<() => void>()
  let buffered = 0
  let credit = 0
  let above = false
  let timer: ReturnType<typeof setInterval> | undefined
  const tick = () => {
    credit += (options.bytesPerSecond * tickMs) / 1000
    while (queue.length > 0 && credit >= queue[0]!.length) {
      const next = queue.shift()!
      credit -= next.length
      buffered -= next.length
      if (inner.isOpen) inner.send(next)
    }
    if (queue.length === 0) {
      credit = 0
      clearInterval(timer)
      timer = undefined
    }
    if (above && buffered <= lowWaterMark) {
      above = false
      for (const listener of [...drains]) listener()
    }
  }
  const pipe: DataPipe = {
    get isOpen() {
      return inner.isOpen
    },
    get bufferedAmount() {
      return buffered
    },
    get maxMessageSize() {
      return inner.maxMessageSize
    },
    get fingerprints() {
      return inner.fingerprints
    },
    send(data) {
      if (!inner.isOpen) return
      queue.push(data.slice())
      buffered += data.length
      if (buffered > lowWaterMark) above = true
      timer ??= setInterval(tick, tickMs)
    },
    on: (event, listener) => {
      if (event !== 'drain') return inner.on(event, listener)
      const drained = listener as () => void
      drains.add(drained)
      return () => drains.delete(drained)
    },
    off: (event, listener) => {
      if (event === 'drain') drains.delete(listener as () => void)
      else inner.off(event, listener)
    },
    openSideChannel: (label) => inner.openSideChannel(label),
    stats: () => inner.stats(),
    close: (reason) => {
      clearInterval(timer)
      inner.close(reason)
    },
  }
  return pipe
}
