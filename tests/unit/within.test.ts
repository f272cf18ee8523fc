import { afterEach, expect, it, vi } from 'vitest'
import { LATE, within } from '../../src/lib/within.ts'

afterEach(() => void vi.useRealTimers())

it('gives the value of a promise that settles in time, and leaves no timer', async () => {
  vi.useFakeTimers()
  expect(await within(Promise.resolve(7), 1000)).toBe(7)
  expect(vi.getTimerCount()).toBe(0)
})

it('passes a rejection through, and leaves no timer', async () => {
  vi.useFakeTimers()
  await expect(within(Promise.reject(new Error('refused')), 1000)).rejects.toThrow('refused')
  expect(vi.getTimerCount()).toBe(0)
})

it('gives LATE once the time runs out first', async () => {
  vi.useFakeTimers()
  const result = within(new Promise(() => {}), 1000)
  await vi.advanceTimersByTimeAsync(999)
  let settled = false
  void result.then(() => (settled = true))
  await Promise.resolve()
  expect(settled).toBe(false)
  await vi.advanceTimersByTimeAsync(1)
  expect(await result).toBe(LATE)
})
