import { describe, expect, it } from 'vitest'
import { anchorBefore, WINDOW_CONTEXT, windowStart } from '../../src/ui/chat/message-window.ts'

const list = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `m${i}` }))

describe('the rendered window of a long chat', () => {
  it('renders the newest page, back to the first unread, or from a pinned message', () => {
    const messages = list(1000)
    expect(windowStart(messages, { page: 100 })).toBe(900)
    expect(windowStart(list(40), { page: 100 })).toBe(0)
    // The "new messages" divider is older than a page: render from a little above it.
    expect(windowStart(messages, { page: 100, marker: 'm500' })).toBe(500 - WINDOW_CONTEXT)
    expect(windowStart(messages, { page: 100, marker: 'm950' })).toBe(900)
    // Pinned while reading back, whatever arrives after.
    expect(windowStart([...messages, ...list(5)], { page: 100, anchor: 'm700' })).toBe(700)
    // An anchor no longer loaded falls back to the newest page.
    expect(windowStart(messages, { page: 100, anchor: 'gone' })).toBe(900)
  })

  it('steps back a page at a time, never before the first', () => {
    const messages = list(250)
    expect(anchorBefore(messages, 150, 100)).toBe('m50')
    expect(anchorBefore(messages, 50, 100)).toBe('m0')
    expect(anchorBefore(messages, 9999, 100)).toBe('m150')
    expect(anchorBefore([], 0, 100)).toBeUndefined()
  })
})
