import { describe, expect, it } from 'vitest'
import { shownValue } from '../../src/lib/shown-value.ts'

describe('shownValue', () => {
  it('shows numbers and short strings as they are, and cuts long strings', () => {
    expect(shownValue(2)).toBe('2')
    expect(shownValue('v2')).toBe('"v2"')
    expect(shownValue('x'.repeat(100), 5)).toBe('"xxxxx"')
  })

  it('names anything else by its type, never calling into the value', () => {
    expect(shownValue({ toString: 1, valueOf: 1 })).toBe('object')
    let deep: unknown = 'end'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(shownValue(deep)).toBe('object')
    expect(shownValue(null)).toBe('null')
    expect(shownValue(undefined)).toBe('undefined')
    expect(shownValue(true)).toBe('boolean')
  })
})
