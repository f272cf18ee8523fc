import { describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type { ReceiptView } from '../../src/crdt/chat/receipt-view.ts'
import type { WorkplaceChat } from '../../src/crdt/chat/workplace-chat.ts'
import { ChatViewPublisher } from '../../src/crdt/documents-worker/chat-view-publisher.ts'
import type { ChatViewUpdate } from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const self = 'ann' as PeerId
const message = (i: number, author: string): ChatMessage => ({
  id: `m${i}`,
  author: author as PeerId,
  hlc: `${String(1_700_000_000_000 + i).padStart(13, '0')}.0000`,
  at: 1_700_000_000_000 + i,
  text: `message ${i}`,
  edited: false,
  deleted: false,
  reactions: [],
  shard: 's1',
  verified: true,
})

/** What the publisher reads of a chat, with the receipts it was asked for counted. */
function fakeChat(messages: ChatMessage[]) {
  const asked: string[] = []
  const view: ReceiptView = { recipients: [], delivered: [], read: [], missing: [], state: 'sent' }
  const chat = {
    self,
    messages: () => messages,
    receipt: (id: string) => {
      asked.push(id)
      return view
    },
    hasOlder: () => false,
    unreadCount: () => 0,
    firstUnread: () => undefined,
    on: () => () => {},
  }
  return { chat: chat as unknown as WorkplaceChat, asked }
}

describe('ChatViewPublisher', () => {
  it("works out and sends receipts of this member's own messages only", () => {
    const messages = [message(1, 'ann'), message(2, 'bob'), message(3, 'cy'), message(4, 'ann')]
    const { chat, asked } = fakeChat(messages)
    const sent: ChatViewUpdate[] = []
    const publisher = new ChatViewPublisher(chat, (update) => sent.push(update))
    publisher.flush()
    expect(asked.sort()).toEqual(['m1', 'm4'])
    expect(sent).toHaveLength(1)
    expect(sent[0]!.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4'])
    expect(sent[0]!.receipts.map(([id]) => id)).toEqual(['m1', 'm4'])
    publisher.close()
  })
})
