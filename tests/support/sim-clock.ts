import type { Clock, ClockTimer } from '../../src/lib/clock.ts'

interface Timer {
  readonly id: number
  readonly at: number
  readonly callback: () => void
}

/**
 * A clock that moves only when told to, like FakeClock, with its timers in a binary heap so a
 * simulation with hundreds of peers and many thousands of timers stays fast. Timers due at the
 * same time fire in the order they were set.
 */
export class SimClock implements Clock {
  #now = 1_000_000
  #next = 0
  readonly #heap: Timer[] = []
  readonly #cancelled = new Set<number>()

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer = { id: ++this.#next, at: this.#now + Math.max(0, ms), callback }
    this.#push(timer)
    return timer.id as unknown as ClockTimer
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer !== undefined) this.#cancelled.add(timer as unknown as number)
  }

  /**
   * Time passes with the thread busy: no timer fires; those that fell due fire, late, at the
   * next `advance` (as after a long task).
   */
  stall(ms: number): void {
    this.#now += ms
  }

  advance(ms: number): void {
    const end = this.#now + ms
    for (let top = this.#heap[0]; top && top.at <= end; top = this.#heap[0]) {
      this.#pop()
      if (this.#cancelled.delete(top.id)) continue
      this.#now = Math.max(this.#now, top.at)
      top.callback()
    }
    this.#now = end
  }

  #before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id)
  }

  #push(timer: Timer): void {
    const heap = this.#heap
    heap.push(timer)
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (!this.#before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()
    if (!last || heap.length === 0) return
    heap[0] = last
    for (let i = 0; ;) {
      const [l, r] = [2 * i + 1, 2 * i + 2]
      let best = i
      if (l < heap.length && this.#before(heap[l]!, heap[best]!)) best = l
      if (r < heap.length && this.#before(heap[r]!, heap[best]!)) best = r
      if (best === i) break
      ;[heap[i], heap[best]] = [heap[best]!, heap[i]!]
      i = best
    }
  }
}
