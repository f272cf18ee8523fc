import { describe, expect, it } from 'vitest'
import { SendPacer } from '../../src/peer/signaling/send-pacer.ts'
import { FakeClock } from '../support/fake-clock.ts'

describe('send pacer', () => {
  it('sends a burst at once, then the rest in order at the rate', () => {
    const clock = new FakeClock()
    const sent: number[] = []
    const pacer = new SendPacer({ rate: { perSecond: 10, burst: 3 }, clock })
    for (let n = 0; n < 8; n++) pacer.submit(() => sent.push(n))
    expect(sent).toEqual([0, 1, 2])
    clock.advance(250) // 2.5 tokens earned
    expect(sent).toEqual([0, 1, 2, 3, 4])
    clock.advance(300)
    expect(sent).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(pacer.queued).toBe(0)
  })

  it('follows a rate the server announces', () => {
    const clock = new FakeClock()
    const sent: number[] = []
    const pacer = new SendPacer({ rate: { perSecond: 1, burst: 1 }, clock })
    for (let n = 0; n < 5; n++) pacer.submit(() => sent.push(n))
    expect(sent).toEqual([0])
    pacer.setRate({ perSecond: 100, burst: 10 })
    clock.advance(40) // 4 tokens at the new rate
    expect(sent).toEqual([0, 1, 2, 3, 4])
  })

  it('drops the oldest of a queue past its bound, and says how many', () => {
    const clock = new FakeClock()
    const sent: number[] = []
    const drops: number[] = []
    const pacer = new SendPacer({
      rate: { perSecond: 10, burst: 1 },
      clock,
      maxQueued: 2,
      onDrop: (count) => drops.push(count),
    })
    for (let n = 0; n < 5; n++) pacer.submit(() => sent.push(n))
    expect(drops).toEqual([1, 1])
    clock.advance(1000)
    expect(sent).toEqual([0, 3, 4])
  })

  it('forgets what waits on reset, with a full bucket again', () => {
    const clock = new FakeClock()
    const sent: number[] = []
    const pacer = new SendPacer({ rate: { perSecond: 1, burst: 2 }, clock })
    for (let n = 0; n < 4; n++) pacer.submit(() => sent.push(n))
    pacer.reset()
    clock.advance(5000)
    expect(sent).toEqual([0, 1])
    pacer.submit(() => sent.push(9))
    pacer.submit(() => sent.push(10))
    expect(sent).toEqual([0, 1, 9, 10])
  })
})
