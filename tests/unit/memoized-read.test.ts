import { describe, expect, it } from 'vitest'
import { Emitter } from '../../src/lib/emitter.ts'
import { memoizedRead } from '../../src/ui/memoized-read.ts'

class Source extends Emitter<{ change: void }> {
  value = 1
  reads = 0
  read = () => {
    this.reads++
    return { value: this.value }
  }
  set(value: number) {
    this.value = value
    this.emit('change', undefined)
  }
}

function memo(source: Source) {
  return memoizedRead(source.read, (update) => source.on('change', update))
}

describe('memoizedRead', () => {
  it('while listened to, reads once per reported change', () => {
    const source = new Source()
    const m = memo(source)
    let updates = 0
    const off = m.listen(() => updates++)
    const first = m.read()
    expect(m.read()).toBe(first)
    expect(m.read()).toBe(first)
    expect(source.reads).toBe(1)
    source.set(2)
    expect(updates).toBe(1)
    expect(m.read()).toEqual({ value: 2 })
    expect(m.read()).toEqual({ value: 2 })
    expect(source.reads).toBe(2)
    off()
  })

  it('with nobody listening, reads afresh every time (no change would be heard)', () => {
    const source = new Source()
    const m = memo(source)
    const off = m.listen(() => {})
    m.read()
    off()
    source.value = 7 // unreported, and nobody listens any more
    expect(m.read()).toEqual({ value: 7 })
    expect(m.read()).toEqual({ value: 7 })
    expect(source.reads).toBe(3)
  })

  it('a new listener reads afresh: what was cached before it may be stale', () => {
    const source = new Source()
    const m = memo(source)
    const off = m.listen(() => {})
    m.read()
    source.value = 3 // a change nobody reported
    const again = m.listen(() => {})
    expect(m.read()).toEqual({ value: 3 })
    off()
    again()
  })
})
