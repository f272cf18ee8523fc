import { describe, expect, it } from 'vitest'
import type { ClockTimer } from '../../src/lib/clock.ts'
import { createLink } from '../../src/peer/link/authenticated-link.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'
import { FakeClock } from '../support/fake-clock.ts'
import { createTestIdentity } from '../support/test-identity.ts'

// A link lives for days (the keeper's, in Node, for weeks): its heartbeats and silence checks
// must not pile up a handle per tick. It kept every timer it ever set until it closed, three a
// second, each holding its callback.

/** A fake clock that counts the timers cancelled, and runs what the links queue meanwhile. */
class CountingClock extends FakeClock {
  cleared = 0
  set = 0
  override setTimeout(callback: () => void, ms: number): ClockTimer {
    this.set++
    return super.setTimeout(callback, ms)
  }
  override clearTimeout(timer: ClockTimer): void {
    this.cleared++
    super.clearTimeout(timer)
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

/** Two links on a memory pipe, on `clock`. */
async function linkedPair(clock: CountingClock) {
  const options = { clock, log: () => {} }
  const [pa, pb] = createMemoryPipePair()
  const ids = await Promise.all([createTestIdentity(), createTestIdentity()])
  return Promise.all([
    createLink({ pipe: pa, identity: ids[0]!, options }),
    createLink({ pipe: pb, identity: ids[1]!, options }),
  ])
}

/** `ms` of fake time in 100 ms steps, letting the links run what they queue between. */
async function pass(clock: CountingClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100)
    await turn()
  }
}

describe('a link’s timers', () => {
  it('run on the clock it is given, and only the pending ones are held', async () => {
    const clock = new CountingClock()
    const [a, b] = await linkedPair(clock)
    // Ten minutes of heartbeats and silence checks, on the fake clock only.
    await pass(clock, 600_000)
    expect(a.state, 'heartbeats kept it open for ten fake minutes').toBe('open')
    expect(b.state).toBe('open')
    expect(a.silentForMs).toBeLessThanOrEqual(1000)
    const before = clock.cleared
    a.close('test over')
    // The heartbeat and the silence check are pending; thousands have fired.
    expect(clock.cleared - before).toBeLessThanOrEqual(3)
  })
  it('wake an idle link for each heartbeat, and to judge its silence only when it could be due', async () => {
    const clock = new CountingClock()
    const [a, b] = await linkedPair(clock)
    const before = clock.set
    await pass(clock, 60_000)
    expect(a.state).toBe('open')
    expect(b.state).toBe('open')
    // A minute: 60 heartbeats each, and a silence look at most every two seconds (the peer's
    // heartbeat keeps the silence a second or less, offline at three); twice a second was 180.
    const heartbeats = 60
    const looks = 30
    expect(clock.set - before).toBeLessThanOrEqual(2 * (heartbeats + looks + 5))
  })
})
