import { describe, expect, it } from 'vitest'
import type { SelfSyncState } from '../../src/crdt/sync/workplace-sync.ts'
import { SteadySelfSync, SYNCING_SHOWN_AFTER_MS } from '../../src/ui/workplace/steady-self-sync.ts'

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

const IN_SYNC: SelfSyncState = { state: 'in-sync' }
const SYNCING: SelfSyncState = { state: 'syncing', pending: 1 }

function setup(initial: SelfSyncState) {
  const clock = fakeTimers()
  let state = initial
  const steady = new SteadySelfSync({ self: () => state }, clock.timers)
  let updates = 0
  const stop = steady.listen(() => updates++)
  return {
    clock,
    steady,
    set: (next: SelfSyncState) => (state = next),
    updates: () => updates,
    stop,
  }
}

describe('SteadySelfSync', () => {
  it('keeps showing in sync through the short spells of syncing a busy chat makes', () => {
    const s = setup(IN_SYNC)
    expect(s.steady.read()).toEqual(IN_SYNC)
    // A change every 300 ms, each confirmed 200 ms later: out of step most of the time.
    for (let i = 0; i < 20; i++) {
      s.set(SYNCING)
      expect(s.steady.read().state).toBe('in-sync')
      s.clock.advance(200)
      s.set(IN_SYNC)
      expect(s.steady.read().state).toBe('in-sync')
      s.clock.advance(100)
    }
    expect(s.updates()).toBe(0)
    expect(s.clock.pending()).toBe(0)
  })

  it('shows syncing once a spell lasts, and asks for the update that shows it', () => {
    const s = setup(IN_SYNC)
    s.steady.read()
    s.set(SYNCING)
    expect(s.steady.read().state).toBe('in-sync')
    s.clock.advance(SYNCING_SHOWN_AFTER_MS - 1)
    expect(s.updates()).toBe(0)
    expect(s.steady.read().state).toBe('in-sync')
    s.clock.advance(1)
    expect(s.updates()).toBe(1)
    expect(s.steady.read()).toEqual(SYNCING)
    // Back in sync shows at once.
    s.set(IN_SYNC)
    expect(s.steady.read()).toEqual(IN_SYNC)
  })

  it('shows syncing at once when the badge did not say in sync (a device coming back)', () => {
    const s = setup({ state: 'alone', others: 2, waiting: 3 })
    expect(s.steady.read().state).toBe('alone')
    s.set({ state: 'syncing', pending: 2 })
    expect(s.steady.read()).toEqual({ state: 'syncing', pending: 2 })
    expect(s.clock.pending()).toBe(0)
  })

  it('shows going offline or alone at once, even during a held spell', () => {
    const s = setup(IN_SYNC)
    s.steady.read()
    s.set(SYNCING)
    s.steady.read()
    s.set({ state: 'offline', waiting: 1 })
    expect(s.steady.read()).toEqual({ state: 'offline', waiting: 1 })
    expect(s.clock.pending()).toBe(0)
  })

  it('stops its timer when nothing listens any more', () => {
    const s = setup(IN_SYNC)
    s.steady.read()
    s.set(SYNCING)
    s.steady.read()
    expect(s.clock.pending()).toBe(1)
    s.stop()
    expect(s.clock.pending()).toBe(0)
  })
})
