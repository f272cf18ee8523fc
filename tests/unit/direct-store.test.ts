import { describe, expect, it } from 'vitest'
import { Conversations } from '../../src/direct/conversations.ts'
import type { DirectMessage, FileMessage } from '../../src/direct/direct-model.ts'
import { createMemoryDirectStore } from '../../src/direct/direct-store.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const A = 'a'.repeat(32) as PeerId
const B = 'b'.repeat(32) as PeerId
const C = 'c'.repeat(32) as PeerId

function text(peer: PeerId, author: PeerId, id: string, at: number, body = id): DirectMessage {
  return {
    kind: 'text',
    peer,
    author,
    id,
    at,
    sentAt: at,
    delivery: 'received',
    unread: false,
    text: body,
  }
}

function file(peer: PeerId, id: string, state: FileMessage['state']): FileMessage {
  return {
    kind: 'file',
    peer,
    author: peer,
    id,
    at: 1,
    sentAt: 1,
    delivery: 'received',
    unread: true,
    state,
    file: { id: 'f'.repeat(64) as never, name: 'x', size: 1, type: '' },
  }
}

describe('direct store (memory)', () => {
  it('returns the latest messages of one conversation, oldest first', async () => {
    const store = createMemoryDirectStore()
    for (let i = 0; i < 10; i++) await store.putMessage(text(B, B, `m${i}`, 100 - i))
    await store.putMessage(text(C, C, 'other', 5))
    const latest = await store.messages(B, 3)
    expect(latest.map((m) => m.id)).toEqual(['m2', 'm1', 'm0'])
    expect(await store.messages(A, 3)).toEqual([])
  })

  it('keys messages by conversation, author and ID, so a peer cannot overwrite another\u2019s', async () => {
    const store = createMemoryDirectStore()
    await store.putMessage(text(B, A, 'same', 1, 'mine'))
    await store.putMessage(text(B, B, 'same', 2, 'theirs'))
    await store.putMessage(text(C, C, 'same', 3, 'third'))
    expect((await store.getMessage(B, A, 'same')) as { text: string }).toMatchObject({
      text: 'mine',
    })
    expect(await store.messages(B, 10)).toHaveLength(2)
  })

  it('finds file messages by state and keeps the outbox in order', async () => {
    const store = createMemoryDirectStore()
    await store.putMessage(file(B, 'f1', 'accepted'))
    await store.putMessage(file(C, 'f2', 'offered'))
    await store.putMessage(file(C, 'f3', 'accepted'))
    expect((await store.filesInState('accepted')).map((m) => m.id).sort()).toEqual(['f1', 'f3'])
    const wire = (id: string) => ({ t: 'text', id, at: 1, text: 'x' }) as const
    await store.putOutbox({ peer: B, id: 'o2', wire: wire('o2'), queuedAt: 2 })
    await store.putOutbox({ peer: B, id: 'o1', wire: wire('o1'), queuedAt: 1 })
    await store.putOutbox({ peer: C, id: 'o3', wire: wire('o3'), queuedAt: 3 })
    expect((await store.outbox()).map((e) => e.id)).toEqual(['o1', 'o2', 'o3'])
    await store.deleteOutbox(B, ['o1', 'o2'])
    expect((await store.outbox()).map((e) => e.id)).toEqual(['o3'])
  })

  it('hands out copies: changing a returned message changes nothing stored', async () => {
    const store = createMemoryDirectStore()
    await store.putMessage(text(B, B, 'm', 1, 'kept'))
    const got = (await store.getMessage(B, B, 'm')) as { text: string }
    got.text = 'changed'
    expect(await store.getMessage(B, B, 'm')).toMatchObject({ text: 'kept' })
  })
})

describe('conversations', () => {
  it('stores a message once, and applies concurrent updates one after another', async () => {
    const conversations = new Conversations(createMemoryDirectStore())
    expect(await conversations.add(file(B, 'f', 'offered'))).toBe(true)
    expect(await conversations.add(file(B, 'f', 'declined'))).toBe(false)
    const moves = (['accepted', 'received'] as const).map((state, i) =>
      conversations.update(B, B, 'f', (m) =>
        m.kind === 'file' && m.state === (i === 0 ? 'offered' : 'accepted')
          ? { ...m, state }
          : undefined,
      ),
    )
    await Promise.all(moves)
    expect(await conversations.get(B, B, 'f')).toMatchObject({ state: 'received' })
  })

  it('keeps writes made while a conversation loads', async () => {
    const conversations = new Conversations(createMemoryDirectStore())
    await conversations.add(text(B, B, 'old', 1))
    const loading = conversations.open(B)
    await conversations.add(text(B, B, 'new', 2))
    await loading
    expect(conversations.loaded(B)?.map((m) => m.id)).toEqual(['old', 'new'])
  })
})
