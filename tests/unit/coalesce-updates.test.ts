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

describe('coalesceUpdates aligned with frames', () => {
  /** The fake timers with frames the test paints by hand. */
  function withFrames() {
    const clock = fakeTimers()
    const frames = new Set<() => void>()
    return {
      clock,
      timers: {
        ...clock.timers,
        frame: (fn: () => void) => {
          frames.add(fn)
          return () => frames.delete(fn)
        },
      },
      paint() {
        const due = [...frames]
        frames.clear()
        due.forEach((fn) => fn())
      },
      frames: () => frames.size,
    }
  }

  it('renders the changes of one frame once, at the frame, even after a quiet spell', () => {
    const f = withFrames()
    const src = source()
    let calls = 0
    coalesceUpdates(src.listen, 32, f.timers)(() => calls++)
    // A message arrives, and its signature check ends a moment later: one render, at the frame.
    src.emit()
    src.emit()
    expect(calls).toBe(0)
    f.paint()
    expect(calls).toBe(1)
    // Within the interval: the next frame after it ends.
    f.clock.advance(10)
    src.emit()
    f.paint()
    expect(calls).toBe(1)
    f.clock.advance(22)
    expect(f.frames()).toBe(1)
    f.paint()
    expect(calls).toBe(2)
  })

  it('drops a frame it asked for when unsubscribed', () => {
    const f = withFrames()
    const src = source()
    let calls = 0
    const off = coalesceUpdates(src.listen, 32, f.timers)(() => calls++)
    src.emit()
    expect(f.frames()).toBe(1)
    off()
    expect(f.frames()).toBe(0)
    f.paint()
    expect(calls).toBe(0)
  })

  it('passes an urgent change on at the next frame, within the interval, and the rest after it', () => {
    const f = withFrames()
    const src = source()
    let calls = 0
    let shown = 0
    let messages = 0
    coalesceUpdates(
      src.listen,
      50,
      f.timers,
      () => messages !== shown,
    )(() => {
      calls++
      shown = messages
    })
    src.emit()
    f.paint()
    expect(calls).toBe(1)
    // Receipts within the interval wait for its end, however many frames pass.
    f.clock.advance(10)
    src.emit()
    f.paint()
    f.clock.advance(10)
    src.emit()
    f.paint()
    expect(calls).toBe(1)
    // A new message shows at the next frame, and the receipts' wait is over with it.
    messages++
    f.clock.advance(5)
    src.emit()
    expect(calls).toBe(1)
    f.paint()
    expect(calls).toBe(2)
    f.clock.advance(100)
    f.paint()
    expect(calls).toBe(2)
    expect(f.clock.pending()).toBe(0)
    expect(f.frames()).toBe(0)
  })

  it('asks whether a change is urgent at most once a frame', () => {
    const f = withFrames()
    const src = source()
    let asked = 0
    coalesceUpdates(src.listen, 50, f.timers, () => (asked++, false))(() => {})
    src.emit()
    f.paint()
    f.clock.advance(5)
    for (let i = 0; i < 10; i++) src.emit()
    f.paint()
    expect(asked).toBe(1)
  })

  it('looks at an urgent change as soon as its task is done, where it can', () => {
    const f = withFrames()
    const soon: (() => void)[] = []
    const timers = {
      ...f.timers,
      soon: (fn: () => void) => {
        soon.push(fn)
        return () => soon.splice(soon.indexOf(fn), 1)
      },
    }
    const src = source()
    let calls = 0
    let messages = 0
    let shown = 0
    coalesceUpdates(
      src.listen,
      50,
      timers,
      () => messages !== shown,
    )(() => {
      calls++
      shown = messages
    })
    src.emit()
    f.paint()
    f.clock.advance(5)
    messages++
    src.emit()
    src.emit()
    expect(soon).toHaveLength(1)
    soon.shift()!()
    expect(calls).toBe(2)
    expect(f.frames()).toBe(0)
    expect(f.clock.pending()).toBe(0)
  })
})
