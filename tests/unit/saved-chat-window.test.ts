import { describe, expect, it, vi } from 'vitest'
import type { ChatApi } from '../../src/crdt/chat/chat-api.ts'
import { formatHlc } from '../../src/crdt/chat/hlc.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import { OpeningChat } from '../../src/crdt/chat/opening-chat.ts'
import type { ReceiptView } from '../../src/crdt/chat/receipt-view.ts'
import {
  parseSavedWindow,
  saveWindow,
  type SavedChatWindow,
  type WindowSource,
} from '../../src/crdt/chat/saved-window.ts'
import { readSummary } from '../../src/crdt/workplace/summary-store.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const ANN = 'a'.repeat(32) as PeerId
const BOB = 'b'.repeat(32) as PeerId
const CY = 'c'.repeat(32) as PeerId

function message(n: number, author: PeerId): ChatMessage {
  return {
    id: `message${n}`,
    author,
    hlc: formatHlc(1_700_000_000_000 + n, 0),
    at: 1_700_000_000_000 + n,
    text: `message ${n}`,
    edited: false,
    deleted: false,
    reactions: n === 70 ? [{ emoji: '👍', peers: [CY] }] : [],
    shard: '2026-w48',
    verified: true,
  }
}

const RECEIPT: ReceiptView = {
  recipients: [BOB, CY],
  delivered: [BOB, CY],
  read: [BOB],
  missing: [],
  state: 'delivered',
}

function source(messages: ChatMessage[]): WindowSource {
  return {
    self: ANN,
    messages: () => messages,
    hasOlder: () => false,
    receipt: (id) => (messages.find((m) => m.id === id)?.author === ANN ? RECEIPT : undefined),
    firstUnread: () => messages.at(-3),
  }
}

const history = Array.from({ length: 80 }, (_, i) => message(i, i % 2 ? BOB : ANN))
const names: Record<string, string> = { [ANN]: 'Ann', [BOB]: 'Bob', [CY]: 'Cy' }

describe('saveWindow', () => {
  it('keeps the newest messages, the receipts of own ones and the names they show', () => {
    const window = saveWindow(source(history), (peer) => names[peer]!, 3, 20)
    expect(window.messages).toEqual(history.slice(-20))
    expect(Object.keys(window.receipts).sort()).toEqual(
      history
        .slice(-20)
        .filter((m) => m.author === ANN)
        .map((m) => m.id)
        .sort(),
    )
    // The reaction's and the receipt's peers are named too.
    expect(window.names).toEqual(names)
    expect(window).toMatchObject({ unread: 3, firstUnread: history.at(-3)!.id, hasOlder: true })
  })

  it('looks for the first unread message only when some are unread', () => {
    const chat = source(history)
    const firstUnread = vi.spyOn(chat, 'firstUnread')
    const window = saveWindow(chat, (peer) => names[peer]!, 0)
    expect(firstUnread).not.toHaveBeenCalled()
    expect(window.firstUnread).toBeUndefined()
    expect(window.unread).toBe(0)
  })

  it('reads back what it saved, through JSON as a sealed row is', () => {
    const window = saveWindow(source(history), (peer) => names[peer]!, 3)
    expect(parseSavedWindow(JSON.parse(JSON.stringify(window)))).toEqual(window)
  })

  it('refuses a damaged window rather than showing it', () => {
    const window = saveWindow(source(history), (peer) => names[peer]!, 3)
    const damaged: unknown[] = [
      { ...window, self: 'not a peer' },
      { ...window, messages: [{ ...window.messages[0], author: 'x' }] },
      { ...window, messages: [{ ...window.messages[0], hlc: 42 }] },
      { ...window, messages: [{ ...window.messages[0], reactions: [{ emoji: 1, peers: [] }] }] },
      { ...window, receipts: { x: { ...RECEIPT, state: 'forged' } } },
      { ...window, unread: -1 },
      { ...window, names: { [ANN]: 7 } },
      { ...window, messages: Array.from({ length: 1000 }, () => window.messages[0]) },
      'window',
      null,
    ]
    for (const value of damaged) expect(parseSavedWindow(value)).toBeUndefined()
  })

  it('drops a damaged window from a stored summary and keeps the rest of it', () => {
    expect(readSummary({ id: 'w', unread: 2, window: { self: 3 } })).toEqual({ id: 'w', unread: 2 })
    expect(readSummary({ id: 'w' })).toBeUndefined()
    expect(readSummary({ id: 'w', unread: 0, last: { at: 'noon' } })).toBeUndefined()
  })
})

/** A live chat whose reads and actions are recorded. */
function liveChat(messages: ChatMessage[]) {
  const listeners = new Set<() => void>()
  const sent: string[] = []
  const marked: string[] = []
  const chat = {
    self: ANN,
    messages: () => messages,
    message: (id: string) => messages.find((m) => m.id === id),
    hasOlder: () => true,
    loadOlder: async () => true,
    reveal: async () => true,
    send: async (text: string) => {
      sent.push(text)
      return messages[0]!
    },
    edit: async () => {},
    deleteMessage: async () => {},
    toggleReaction: async () => {},
    receipt: () => undefined,
    unreadCount: () => 0,
    firstUnread: () => undefined,
    markRead: () => void marked.push('read'),
    markReadSoon: () => void marked.push('soon'),
    settled: async () => {},
    close: async () => {},
    on: (_event: string, listener: () => void) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  } as unknown as ChatApi
  return { chat, sent, marked, changed: () => listeners.forEach((l) => l()) }
}

describe('OpeningChat', () => {
  const saved: SavedChatWindow = saveWindow(source(history), (peer) => names[peer]!, 3)

  it('shows the saved window until the live chat is open, then the live chat', async () => {
    let open!: (chat: ChatApi) => void
    const opening = new OpeningChat(saved, new Promise<ChatApi>((r) => (open = r)))
    const changes = vi.fn()
    opening.on('change', changes)
    expect(opening.messages()).toBe(saved.messages)
    expect(opening.unreadCount()).toBe(3)
    expect(opening.firstUnread()?.id).toBe(saved.firstUnread)
    const own = saved.messages.find((m) => m.author === ANN)!
    expect(opening.receipt(own.id)).toEqual(RECEIPT)
    // Marking read waits for the live chat (the list marks again once it shows it).
    opening.markReadSoon()
    // A message typed meanwhile is sent by the live chat once it is open.
    const live = liveChat(history.slice(0, 5))
    const sending = opening.send('hello')
    open(live.chat)
    await sending
    expect(live.sent).toEqual(['hello'])
    expect(live.marked).toEqual([])
    expect(changes).toHaveBeenCalledTimes(1)
    expect(opening.live).toBe(true)
    expect(opening.messages().map((m) => m.id)).toEqual(history.slice(0, 5).map((m) => m.id))
    expect(opening.unreadCount()).toBe(0)
    live.changed()
    expect(changes).toHaveBeenCalledTimes(2)
    await opening.close()
    live.changed()
    expect(changes).toHaveBeenCalledTimes(2)
  })

  it('keeps the window until the live chat shows its newest message or has settled', async () => {
    const live = liveChat([])
    let settle!: () => void
    live.chat.settled = () => new Promise<void>((r) => (settle = r))
    const opening = new OpeningChat(saved, Promise.resolve(live.chat))
    await Promise.resolve()
    await Promise.resolve()
    // Open, but its messages still being checked: the list does not empty meanwhile.
    expect(opening.live).toBe(false)
    expect(opening.messages()).toBe(saved.messages)
    const messages = live.chat.messages() as ChatMessage[]
    messages.push(...history.slice(0, 10))
    live.changed()
    expect(opening.live).toBe(false)
    messages.push(...history.slice(10))
    live.changed()
    expect(opening.live).toBe(true)
    expect(opening.messages()).toHaveLength(history.length)

    // A chat whose newest saved message is gone for good shows once its history has loaded.
    const other = liveChat(history.slice(0, 3))
    let settleOther!: () => void
    other.chat.settled = () => new Promise<void>((r) => (settleOther = r))
    const second = new OpeningChat(saved, Promise.resolve(other.chat))
    await Promise.resolve()
    expect(second.live).toBe(false)
    settleOther()
    await new Promise((r) => setTimeout(r, 0))
    expect(second.live).toBe(true)
    settle()
  })

  it('keeps the window when the chat does not open, and actions say why', async () => {
    const opening = new OpeningChat(saved, Promise.reject(new Error('no chat')))
    await expect(opening.send('x')).rejects.toThrow('no chat')
    expect(opening.messages()).toBe(saved.messages)
    expect(opening.live).toBe(false)
  })
})
