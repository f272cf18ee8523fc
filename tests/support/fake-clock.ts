import type { Clock, ClockTimer } from '../../src/lib/clock.ts'

/** A clock that moves only when told to; timers fire in order during `advance`. */
export class FakeClock implements Clock {
  #now = 1_000_000
  #next = 0
  readonly #timers = new Map<number, { at: number; callback: () => void }>()

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const id = ++this.#next
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback })
    return id as unknown as ClockTimer
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer as unknown as number)
  }

  /** Timers set and neither fired nor cleared yet. */
  get pending(): number {
    return this.#timers.size
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
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry
      }
      if (!due) break
      this.#timers.delete(due[0])
      this.#now = Math.max(this.#now, due[1].at)
      due[1].callback()
    }
    this.#now = end
  }
}
