import { describe, expect, it, vi } from 'vitest'
import {
  followChatSummaries,
  followChatSummary,
  summarizeChat,
  type SummarizedApp,
  type SummarizedChat,
} from '../../src/app/chat-summaries.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { WorkplaceSummaries } from '../../src/app/workplace-summaries.ts'
import { createMemorySummaryStore } from '../../src/crdt/workplace/summary-store.ts'

const ANN = 'ann' as PeerId
const BOB = 'bob' as PeerId

function message(
  id: string,
  author: PeerId,
  at: number,
  text: string,
  deleted = false,
): ChatMessage {
  return { id, author, at, text, deleted, reactions: [] } as unknown as ChatMessage
}

function chatOf(messages: ChatMessage[], unread: number) {
  const listeners = new Set<() => void>()
  const chat: SummarizedChat & { messages: () => ChatMessage[]; changed(): void } = {
    self: ANN,
    messages: () => messages,
    unreadCount: () => unread,
    hasOlder: () => false,
    receipt: () => undefined,
    firstUnread: () => undefined,
    on: (_event, listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    changed: () => listeners.forEach((l) => l()),
  }
  return { chat, set: (m: ChatMessage[], u: number) => ((messages = m), (unread = u)) }
}

describe('summarizeChat', () => {
  it('shows the newest message that still has text, its author by name, and the unread count', () => {
    const { chat } = chatOf(
      [message('a', BOB, 1, 'Lunch   at\nnoon?'), message('b', BOB, 2, '', true)],
      2,
    )
    const unreadCount = vi.spyOn(chat, 'unreadCount')
    const { window, ...summary } = summarizeChat('w', chat, () => 'Bob')
    // Worked out once for the summary and its window: it goes over every loaded message.
    expect(unreadCount).toHaveBeenCalledTimes(1)
    expect(summary).toEqual({
      id: 'w',
      unread: 2,
      last: { at: 1, author: 'Bob', preview: 'Lunch at noon?' },
    })
    expect(window?.messages.map((m) => m.id)).toEqual(['a', 'b'])
  })

  it('calls this member "You", clips long text, and has no last message in an empty chat', () => {
    const { chat } = chatOf([message('a', ANN, 5, 'x'.repeat(200))], 0)
    const last = summarizeChat('w', chat, () => 'Someone').last!
    expect(last.author).toBe('You')
    expect(last.preview).toHaveLength(80)
    expect(last.preview.endsWith('…')).toBe(true)
    expect(summarizeChat('w', chatOf([], 0).chat, () => '')).toEqual({ id: 'w', unread: 0 })
  })
})

describe('followChatSummary', () => {
  it('works the summary out once per interval while the chat keeps changing', () => {
    vi.useFakeTimers()
    try {
      const { chat, set } = chatOf([], 0)
      const written: unknown[] = []
      const off = followChatSummary({
        id: 'w',
        chat,
        nameOf: () => 'Bob',
        summaries: { set: (s) => void written.push(s) },
        delayMs: 500,
      })
      vi.advanceTimersByTime(500)
      expect(written).toHaveLength(1)
      for (let i = 1; i <= 20; i++) {
        set([message(String(i), BOB, i, `m${i}`)], i)
        chat.changed()
        vi.advanceTimersByTime(100)
      }
      // 20 changes over 2 s: about four summaries, not twenty.
      expect(written.length).toBeLessThanOrEqual(1 + 5)
      vi.advanceTimersByTime(500)
      expect(written.at(-1)).toMatchObject({ unread: 20, last: { preview: 'm20' } })
      const count = written.length
      off()
      chat.changed()
      vi.advanceTimersByTime(1000)
      expect(written).toHaveLength(count)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('followChatSummaries', () => {
  it('stops following a workplace that was left, so its summary does not come back', async () => {
    vi.useFakeTimers()
    try {
      const { chat, set } = chatOf([message('1', BOB, 1, 'hello')], 1)
      const wp = { id: 'w', self: ANN, isMember: () => true, members: () => [] }
      let list = [wp as unknown as Workplace]
      const appListeners = new Set<() => void>()
      const app: SummarizedApp = {
        list: () => list,
        featuresOf: () => ({ chat: Promise.resolve(chat) }),
        on: (_event, listener) => {
          appListeners.add(listener)
          return () => appListeners.delete(listener)
        },
      }
      const summaries = new WorkplaceSummaries(createMemorySummaryStore())
      const stop = followChatSummaries(app, summaries, 500)
      await vi.advanceTimersByTimeAsync(500)
      expect(summaries.ids()).toEqual(['w'])
      // A message arrives, and the workplace is left before its summary is written.
      set([message('1', BOB, 1, 'hello'), message('2', BOB, 2, 'bye')], 2)
      chat.changed()
      list = []
      appListeners.forEach((listener) => listener())
      expect(summaries.ids()).toEqual([])
      await vi.advanceTimersByTimeAsync(1000)
      expect(summaries.ids()).toEqual([])
      stop()
    } finally {
      vi.useRealTimers()
    }
  })
})
