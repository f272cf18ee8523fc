import { describe, expect, it } from 'vitest'
import { rowWindow } from '../../src/ui/contacts/row-window.ts'

describe('the rows of a long list put in the page', () => {
  const base = { count: 10_000, rowHeight: 50, viewportHeight: 500, overscan: 5 }

  it('at the top: the rows in view and the overscan below, the rest as padding', () => {
    expect(rowWindow({ ...base, scrollTop: 0 })).toEqual({
      start: 0,
      end: 16,
      before: 0,
      after: (10_000 - 16) * 50,
    })
  })

  it('scrolled: the rows in view with overscan on both sides, whatever the list length', () => {
    const w = rowWindow({ ...base, scrollTop: 100_000 })
    expect(w).toEqual({ start: 1995, end: 2016, before: 1995 * 50, after: (10_000 - 2016) * 50 })
    expect(w.before + (w.end - w.start) * 50 + w.after).toBe(10_000 * 50)
  })

  it('stays within the list when scrolled past its end or the list is short', () => {
    expect(rowWindow({ ...base, scrollTop: 10_000_000 })).toMatchObject({
      start: 9995,
      end: 10_000,
      after: 0,
    })
    expect(rowWindow({ ...base, count: 3, scrollTop: 0 })).toEqual({
      start: 0,
      end: 3,
      before: 0,
      after: 0,
    })
    expect(rowWindow({ ...base, count: 0, scrollTop: 40 })).toMatchObject({ start: 0, end: 0 })
  })
})
