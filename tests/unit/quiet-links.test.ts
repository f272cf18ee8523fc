import { describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { QuietLinks } from '../../src/peer/mesh/quiet-links.ts'
import { FakeClock } from '../support/fake-clock.ts'

const QUIET_AFTER_MS = 1400
const CHECK_EVERY_MS = 100

/** Two linked peers whose last frames the test sets; counts the looks at their links. */
function watched() {
  const clock = new FakeClock()
  const heard = new Map<PeerId, number>([
    ['bob' as PeerId, clock.now()],
    ['cat' as PeerId, clock.now()],
  ])
  let looks = 0
  let changes = 0
  const quiet = new QuietLinks({
    clock,
    quietAfterMs: QUIET_AFTER_MS,
    checkEveryMs: CHECK_EVERY_MS,
    links: () => {
      looks++
      return [...heard].map(([peer, at]) => [peer, { silentForMs: clock.now() - at }] as const)
    },
    onChange: () => changes++,
  })
  /** Time passes with each peer (but those in `silent`) heard every second, as heartbeats. */
  const run = (ms: number, silent: readonly string[] = []) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100)
      if (clock.now() % 1000 !== 0) continue
      for (const peer of heard.keys()) if (!silent.includes(peer)) heard.set(peer, clock.now())
    }
  }
  return { clock, heard, quiet, run, looks: () => looks, changes: () => changes }
}

describe('quiet links', () => {
  it('looks about once a second while every peer speaks, not ten times', () => {
    const { quiet, run, looks } = watched()
    run(10_000)
    expect(quiet.has('bob' as PeerId)).toBe(false)
    // Every 100 ms would be 100 looks.
    expect(looks()).toBeLessThanOrEqual(12)
    quiet.close()
  })

  it('calls a peer quiet once nothing came from it for quietAfterMs, and not when it speaks', () => {
    const { clock, heard, quiet, run, changes } = watched()
    run(3000)
    const lastFrame = heard.get('cat' as PeerId)!
    let quietAt: number | undefined
    for (let t = 0; t < 3000 && quietAt === undefined; t += 10) {
      run(10, ['cat'])
      if (quiet.has('cat' as PeerId)) quietAt = clock.now()
    }
    expect(quietAt).toBeDefined()
    expect(quietAt! - lastFrame).toBeGreaterThan(QUIET_AFTER_MS)
    expect(quietAt! - lastFrame).toBeLessThanOrEqual(QUIET_AFTER_MS + CHECK_EVERY_MS)
    expect(quiet.has('bob' as PeerId)).toBe(false)
    expect(changes()).toBe(1)
    // It speaks again: no longer quiet within a look.
    heard.set('cat' as PeerId, clock.now())
    clock.advance(CHECK_EVERY_MS)
    expect(quiet.has('cat' as PeerId)).toBe(false)
    expect(changes()).toBe(2)
    quiet.close()
  })

  it('judges nobody on a look that came late (this thread was stalled)', () => {
    const { clock, quiet, run } = watched()
    run(2000)
    // Busy for 3 s: the peers' frames from meanwhile would still wait behind the timer.
    clock.stall(3000)
    clock.advance(1)
    expect(quiet.has('bob' as PeerId)).toBe(false)
    expect(quiet.has('cat' as PeerId)).toBe(false)
    quiet.close()
  })

  it('stops looking once closed', () => {
    const { quiet, run, looks } = watched()
    run(1000)
    quiet.close()
    const before = looks()
    run(5000)
    expect(looks()).toBe(before)
  })
})
