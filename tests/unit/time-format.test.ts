import { expect, it } from 'vitest'
import { shortTime } from '../../src/ui/chat/time-format.ts'

const format = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })

it('gives each time its own hours and minutes, however the calls follow each other', () => {
  const base = Date.UTC(2026, 11, 6, 13, 59, 0)
  const times = [0, 30_000, 59_999, 60_000, 61_000, -1, 3_600_000, 59_999, 86_400_000 * 40]
  for (const offset of times) {
    const date = new Date(base + offset)
    expect(shortTime(date), date.toISOString()).toBe(format.format(date))
  }
})

it('fails on a date that is not a time as the formatter does, never with a cached text', () => {
  expect(() => shortTime(new Date(Number.NaN))).toThrow(RangeError)
})
