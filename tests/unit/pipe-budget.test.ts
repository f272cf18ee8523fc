import { afterEach, describe, expect, it, vi } from 'vitest'
import { PipeBudget } from '../../src/peer/link/pipe-budget.ts'
import { SendQueue } from '../../src/peer/link/send-queue.ts'
import { createMemoryPipePair } from '../../src/peer/transport/memory-pipe.ts'

const KiB = 1024
const MiB = 1024 * KiB

/**
 * A sender that always has more to send, filling a pipe up to the budget every `stepMs`, while
 * the path takes `take(now, buffered)` bytes a step. Returns the budget's limits over time.
 */
function run(options: {
  take: (now: number, buffered: number) => number
  seconds: number
  max?: number
  horizonMs?: number
  stepMs?: number
}): number[] {
  let now = 0
  const stepMs = options.stepMs ?? 50
  const budget = new PipeBudget({
    max: options.max ?? MiB,
    horizonMs: options.horizonMs ?? 250,
    now: () => now,
  })
  let buffered = 0
  let heldBack = false
  const limits: number[] = []
  for (; now < options.seconds * 1000; now += stepMs) {
    buffered -= Math.min(buffered, options.take(now, buffered))
    budget.observe(buffered, heldBack)
    while (buffered < budget.limit) {
      buffered += 16 * KiB
      budget.handed(16 * KiB)
    }
    heldBack = true
    limits.push(budget.limit)
  }
  return limits
}

describe('the budget of a pipe buffer', () => {
  it('keeps about a quarter second of a slow path in the buffer', () => {
    // 500 kbit/s: 62.5 bytes a millisecond.
    const limits = run({ take: () => 62.5 * 50, seconds: 20 })
    const settled = limits.slice(-100)
    expect(Math.max(...settled)).toBeLessThanOrEqual(32 * KiB)
  })

  it('measures a path whose buffer falls in bursts (Chromium reports sent bytes in batches)', () => {
    // 64 KiB a second, all at once on each second.
    const limits = run({ take: (now) => (now % 1000 === 0 ? 64 * KiB : 0), seconds: 30 })
    expect(Math.max(...limits.slice(-200))).toBeLessThanOrEqual(64 * KiB)
  })

  it('grows to the most allowed on a fast path, within a second', () => {
    // 20 MB/s: a buffer of anything less runs dry between looks.
    const limits = run({ take: () => 20_000 * 50, seconds: 5 })
    expect(limits[20]).toBe(MiB)
    expect(Math.min(...limits.slice(20))).toBeGreaterThanOrEqual(MiB / 2)
  })

  it('shrinks when a fast path turns slow, and grows again when it is back', () => {
    const rate = (now: number) => (now < 5000 || now >= 15_000 ? 20_000 : 50)
    const limits = run({ take: (now) => rate(now) * 50, seconds: 20 })
    expect(limits[99]).toBeGreaterThanOrEqual(MiB / 2)
    // Ten seconds into the slow stretch.
    expect(limits[299]).toBeLessThanOrEqual(32 * KiB)
    expect(limits.at(-1)).toBeGreaterThanOrEqual(MiB / 2)
  })

  it('drops to its least while the path carries nothing (a path being restarted)', () => {
    const limits = run({ take: (now) => (now < 3000 ? 20_000 * 50 : 0), seconds: 10 })
    expect(limits.at(-1)).toBeLessThanOrEqual(32 * KiB)
  })
})

describe('a send queue on a fast path', () => {
  afterEach(() => vi.useRealTimers())

  it('hands a burst to a pipe that empties at once within a few milliseconds', async () => {
    vi.useFakeTimers()
    const [pipe] = createMemoryPipePair({ maxMessageSize: 16 * KiB })
    const sent: number[] = []
    const send = pipe.send.bind(pipe)
    pipe.send = (data) => {
      sent.push(data.length)
      send(data)
    }
    const queue = new SendQueue(pipe, { highWaterMark: MiB, horizonMs: 250, now: () => Date.now() })
    const frames = Array.from({ length: 256 }, () => new Uint8Array(16 * KiB))
    const done = queue.push(frames)
    // The budget starts small (the path's pace is unknown) and doubles at each look that finds
    // the pipe empty: 4 MiB leave in a handful of quick looks, not one look per 50 ms.
    await vi.advanceTimersByTimeAsync(40)
    expect(sent.length).toBe(256)
    expect(await done).toBe(true)
    queue.close()
  })
})
