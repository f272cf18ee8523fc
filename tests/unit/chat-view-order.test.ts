import { expect, it } from 'vitest'
import { orderChange } from '../../src/crdt/documents-worker/chat-view-publisher.ts'
import { RemoteChat } from '../../src/crdt/documents-worker/remote-chat.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const ids = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `m${from + i}`)

it('a new message or a window moving on is sent as its ends, not as the whole order', () => {
  expect(orderChange(ids(0, 500), ids(0, 501))).toEqual({ dropped: 0, append: ['m500'] })
  expect(orderChange(ids(0, 500), ids(2, 503))).toEqual({
    dropped: 2,
    append: ['m500', 'm501', 'm502'],
  })
  expect(orderChange(ids(0, 3), ids(1, 3))).toEqual({ dropped: 1, append: [] })
  // Older messages put above, one taken out, or the order changed: the whole order.
  expect(orderChange(ids(5, 8), ids(3, 8))).toEqual({ order: ids(3, 8) })
  expect(orderChange(['a', 'b', 'c'], ['a', 'c'])).toEqual({ order: ['a', 'c'] })
  expect(orderChange(['a', 'b', 'c'], ['a', 'c', 'b'])).toEqual({ order: ['a', 'c', 'b'] })
  expect(orderChange(['a'], [])).toEqual({ order: [] })
})

it('the page’s mirror follows every kind of change to the order', () => {
  const remote = new RemoteChat({
    self: 'me' as PeerId,
    call: () => Promise.resolve(),
    close: () => Promise.resolve(),
  })
  const message = (id: string, text = id) => ({ id, text }) as unknown as ChatMessage
  let shown: string[] = []
  const steps = [
    ids(0, 5),
    ids(0, 7),
    ids(2, 8),
    ids(0, 8),
    ['m0', 'm3', 'm9'],
    ['m3', 'm9', 'm10'],
  ]
  for (const next of steps) {
    const added = next.filter((id) => !shown.includes(id)).map((id) => message(id))
    remote.apply({
      ...orderChange(shown, next),
      messages: added,
      receipts: [],
      hasOlder: false,
      unread: 0,
      firstUnread: null,
    })
    shown = next
    expect(remote.messages().map((m) => m.id)).toEqual(next)
    for (const id of next) expect(remote.message(id)?.id).toBe(id)
  }
  // A changed message keeps its place when new ones are appended in the same update.
  remote.apply({
    dropped: 0,
    append: ['m11'],
    messages: [message('m9', 'edited'), message('m11')],
    receipts: [],
    hasOlder: false,
    unread: 0,
    firstUnread: null,
  })
  expect(remote.messages().map((m) => m.id)).toEqual(['m3', 'm9', 'm10', 'm11'])
  expect((remote.messages()[1] as unknown as { text: string }).text).toBe('edited')
  expect(remote.message('m0')).toBeUndefined()
})
