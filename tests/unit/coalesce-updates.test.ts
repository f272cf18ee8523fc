import { describe, expect, it } from 'vitest'
import { coalesceUpdates } from '../../src/ui/coalesce-updates.ts'

/** A manual clock and timer queue. */
function fakeTimers() {
  let now = 0
  const queue: { at: number; fn: () => void; id: number }[] = []
  let next = 1
  return {
    timers: {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const id = next++
        queue.push({ at: now + ms, fn, id })
        return id
      },
      clearTimeout: (id: unknown) => {
        const i = queue.findIndex((t) => t.id === id)
        if (i >= 0) queue.splice(i, 1)
      },
    },
    advance(ms: number) {
      now += ms
      for (const due of queue.filter((t) => t.at <= now)) {
        queue.splice(queue.indexOf(due), 1)
        due.fn()
      }
    },
    pending: () => queue.length,
  }
}

function source() {
  const listeners = new Set<() => void>()
  return {
    listen: (update: () => void) => {
      listeners.add(update)
      return () => listeners.delete(update)
    },
    emit: () => listeners.forEach((l) => l()),
    count: () => listeners.size,
  }
}

describe('coalesceUpdates', () => {
  it('passes a change on at once, and folds a burst into one call per interval', () => {
    const clock = fakeTimers()
    const src = source()
    let calls = 0
    coalesceUpdates(src.listen, 150, clock.timers)(() => calls++)
    src.emit()
    expect(calls).toBe(1)
    // A batch every 20 ms for a second: about one update per 150 ms, not 50.
    for (let i = 0; i < 50; i++) {
      clock.advance(20)
      src.emit()
    }
    expect(calls).toBeGreaterThanOrEqual(6)
    expect(calls).toBeLessThanOrEqual(8)
    // The last change of the burst is not lost.
    clock.advance(150)
    const settled = calls
    clock.advance(1000)
    expect(calls).toBe(settled)
    expect(clock.pending()).toBe(0)
    // After a quiet spell a change shows at once again.
    src.emit()
    expect(calls).toBe(settled + 1)
  })

  it('stops listening and drops a pending update when unsubscribed', () => {
    const clock = fakeTimers()
    const src = source()
    let calls = 0
    const off = coalesceUpdates(src.listen, 150, clock.timers)(() => calls++)
    src.emit()
    clock.advance(10)
    src.emit()
    expect(clock.pending()).toBe(1)
    off()
    expect(src.count()).toBe(0)
    expect(clock.pending()).toBe(0)
    clock.advance(500)
    expect(calls).toBe(1)
  })
})
