import { describe, expect, it } from 'vitest'
import type { MemberSyncView, SelfSyncState } from '../../src/crdt/sync/workplace-sync.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { ClockTimer } from '../../src/lib/clock.ts'
import {
  SteadyMemberSync,
  SteadySelfSync,
  steadyPerWorkplace,
  SYNCING_SHOWN_AFTER_MS,
} from '../../src/ui/workplace/steady-sync.ts'
import { FakeClock } from '../support/fake-clock.ts'

const IN_SYNC: SelfSyncState = { state: 'in-sync' }
const SYNCING: SelfSyncState = { state: 'syncing', pending: 1 }

function setup(initial: SelfSyncState) {
  const clock = new FakeClock()
  let state = initial
  const steady = new SteadySelfSync(
    { self: () => state },
    {
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (timer) => clock.clearTimeout(timer as ClockTimer),
    },
  )
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
    // Nothing is left to fire later either.
    s.clock.advance(SYNCING_SHOWN_AFTER_MS * 2)
    expect(s.updates()).toBe(0)
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
    s.clock.advance(SYNCING_SHOWN_AFTER_MS * 2)
    expect(s.updates()).toBe(0)
  })

  it('shows going offline or alone at once, even during a held spell', () => {
    const s = setup(IN_SYNC)
    s.steady.read()
    s.set(SYNCING)
    s.steady.read()
    s.set({ state: 'offline', waiting: 1 })
    expect(s.steady.read()).toEqual({ state: 'offline', waiting: 1 })
    s.clock.advance(SYNCING_SHOWN_AFTER_MS * 2)
    expect(s.updates()).toBe(0)
  })

  it('stops its timer when nothing listens any more', () => {
    const s = setup(IN_SYNC)
    s.steady.read()
    s.set(SYNCING)
    s.steady.read()
    s.stop()
    // A listener added later is not called by the stopped spell's timer.
    let later = 0
    s.steady.listen(() => later++)
    s.clock.advance(SYNCING_SHOWN_AFTER_MS * 2)
    expect(later + s.updates()).toBe(0)
  })

  it('keeps one per workplace for a list, so each badge holds its own spell', () => {
    const states = new Map<string, SelfSyncState>([
      ['a', IN_SYNC],
      ['b', IN_SYNC],
    ])
    const steadyOf = steadyPerWorkplace((wp: { id: string }) => ({
      self: () => states.get(wp.id)!,
    }))
    expect(steadyOf({ id: 'a' })).toBe(steadyOf({ id: 'a' }))
    expect(steadyOf({ id: 'a' })).not.toBe(steadyOf({ id: 'b' }))
    steadyOf({ id: 'a' }).read()
    states.set('a', SYNCING)
    states.set('b', SYNCING)
    // 'a' was shown in sync and holds it; 'b' was never shown, so it shows syncing at once.
    expect(steadyOf({ id: 'a' }).read().state).toBe('in-sync')
    expect(steadyOf({ id: 'b' }).read().state).toBe('syncing')
  })
})

describe('steadyPerWorkplace', () => {
  it('forgets the badge of a workplace left, and its held spell calls nobody', () => {
    const clock = new FakeClock()
    let state: SelfSyncState = IN_SYNC
    const steadyOf = steadyPerWorkplace((_wp: { id: string }) => ({ self: () => state }), {
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (timer) => clock.clearTimeout(timer as ClockTimer),
    })
    const a = { id: 'a' }
    const b = { id: 'b' }
    const left = steadyOf(a)
    let updates = 0
    left.listen(() => updates++)
    left.read()
    state = SYNCING
    // A spell held: its end is due in SYNCING_SHOWN_AFTER_MS.
    expect(left.read().state).toBe('in-sync')
    steadyOf.retain([b])
    clock.advance(SYNCING_SHOWN_AFTER_MS * 2)
    expect(updates).toBe(0)
    // Joined again: a badge of its own, with nothing held from before.
    expect(steadyOf(a)).not.toBe(left)
    expect(steadyOf(a).read().state).toBe('syncing')
  })
})

describe('SteadyMemberSync', () => {
  const view = (peer: string, inSync: boolean, online = true): MemberSyncView => ({
    peer: peer as PeerId,
    online,
    isSyncer: false,
    inSync,
    lastSyncedAt: null,
  })

  function members(holdMs?: () => number) {
    const clock = new FakeClock()
    const steady = new SteadyMemberSync(
      {
        now: () => clock.now(),
        setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
        clearTimeout: (timer) => clock.clearTimeout(timer as ClockTimer),
      },
      holdMs,
    )
    let updates = 0
    steady.listen(() => updates++)
    const shown = (views: MemberSyncView[]) => steady.read(views).map((v) => v.inSync)
    return { clock, shown, updates: () => updates }
  }

  it('holds each online member in sync through its own short spell, and shows a long one', () => {
    const m = members()
    expect(m.shown([view('bob', true), view('cy', true)])).toEqual([true, true])
    expect(m.shown([view('bob', false), view('cy', true)])).toEqual([true, true])
    m.clock.advance(1000)
    expect(m.shown([view('bob', false), view('cy', false)])).toEqual([true, true])
    // Bob's spell is due first: the update comes then, and shows him syncing, Cy still held.
    m.clock.advance(SYNCING_SHOWN_AFTER_MS - 1000)
    expect(m.updates()).toBe(1)
    expect(m.shown([view('bob', false), view('cy', false)])).toEqual([false, true])
    m.clock.advance(1000)
    expect(m.updates()).toBe(2)
    expect(m.shown([view('bob', false), view('cy', false)])).toEqual([false, false])
    // Back in sync shows at once.
    expect(m.shown([view('bob', true), view('cy', true)])).toEqual([true, true])
  })

  it('holds as long as it is told: members of a big group report less often', () => {
    let hold = 4500
    const m = members(() => hold)
    expect(m.shown([view('bob', true)])).toEqual([true])
    expect(m.shown([view('bob', false)])).toEqual([true])
    m.clock.advance(4000)
    expect(m.updates()).toBe(0)
    expect(m.shown([view('bob', false)])).toEqual([true])
    m.clock.advance(500)
    expect(m.updates()).toBe(1)
    expect(m.shown([view('bob', false)])).toEqual([false])
    // The group shrank: the default hold again.
    hold = SYNCING_SHOWN_AFTER_MS
    expect(m.shown([view('bob', true)])).toEqual([true])
    expect(m.shown([view('bob', false)])).toEqual([true])
    m.clock.advance(SYNCING_SHOWN_AFTER_MS)
    expect(m.shown([view('bob', false)])).toEqual([false])
  })

  it('shows at once a member first seen out of step, and an offline member as it is', () => {
    const m = members()
    expect(m.shown([view('bob', false), view('cy', false, false)])).toEqual([false, false])
    expect(m.shown([view('bob', true), view('cy', true, false)])).toEqual([true, true])
    // Gone offline, then back out of step: nothing was held meanwhile.
    expect(m.shown([view('bob', false, false)])).toEqual([false])
    expect(m.shown([view('bob', false)])).toEqual([false])
    m.clock.advance(SYNCING_SHOWN_AFTER_MS * 2)
    expect(m.updates()).toBe(0)
  })
})
