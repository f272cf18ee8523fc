import { expect, it } from 'vitest'
import type { ShardDoc } from '../../src/crdt/chat/chat-doc.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import { readShardMessages } from '../../src/crdt/chat/shard-messages.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { Verdict } from '../../src/peer/identity/record-proof.ts'

const ANN = 'a'.repeat(32) as PeerId
const ID = 'abcdefghijklmnop'

function shard(text: string): ShardDoc {
  return {
    messages: { [ID]: { a: ANN, t: '1894006800000.0000', x: text, s: 'proof', re: {} } },
  } as unknown as ShardDoc
}

it('a message being checked again after a change is shown as it was meanwhile, not dropped', () => {
  const shown: ChatMessage = {
    id: ID,
    author: ANN,
    hlc: '1894006800000.0000' as ChatMessage['hlc'],
    at: 1894006800000,
    text: 'The meeting is at 10.',
    edited: false,
    deleted: false,
    reactions: [],
    shard: '3131.0',
    verified: true,
  }
  let verdict: Verdict = 'pending'
  const read = () =>
    readShardMessages(shard('changed while its proof is checked'), {
      shard: '3131.0',
      reported: new Set(),
      onInvalid: () => {},
      judge: () => verdict,
      previous: (id) => (id === ID ? shown : undefined),
    })
  const meanwhile = read()
  expect(meanwhile.pending).toBe(true)
  expect(meanwhile.messages).toEqual([shown])

  verdict = 'forged'
  expect(read().messages).toEqual([])
})
