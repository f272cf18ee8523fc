/**
 * The contract of DirectStores (src/direct/direct-store.ts), in memory or in IndexedDB (sealed
 * or not): contacts by peer, a conversation's latest messages oldest first, file messages by
 * state, and the outbox in the order it was queued; values copied in and out.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type {
  DeviceContact,
  DirectMessage,
  FileMessage,
  OutboxEntry,
} from '../../src/direct/direct-model.ts'
import type { DirectStore } from '../../src/direct/direct-store.ts'
import type { HashHex } from '../../src/files/hashing.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const [ANN, BOB, CYD] = ['ANNANNAN', 'BOBBOBBO', 'CYDCYDCY'] as [PeerId, PeerId, PeerId]

function contact(peer: PeerId, fields: Partial<DeviceContact> = {}): DeviceContact {
  const base = { name: null, key: null, firstSeen: 1, lastSeen: 2, lastMessageAt: 2 }
  return { peer, ...base, unread: 0, verified: false, ...fields }
}

function text(peer: PeerId, id: string, at: number, author = peer): DirectMessage {
  const base = { peer, id, author, sentAt: at, at, delivery: 'received', unread: false } as const
  return { ...base, kind: 'text', text: `${id} at ${at}` }
}

function file(peer: PeerId, id: string, state: FileMessage['state']): FileMessage {
  const offered = { id: 'ab'.repeat(32) as HashHex, name: 'a.txt', size: 3, type: 'text/plain' }
  const base = { peer, id, author: peer, sentAt: 9, at: 9, delivery: 'received' } as const
  return { ...base, unread: true, kind: 'file', file: offered, state }
}

function queued(peer: PeerId, id: string, queuedAt: number): OutboxEntry {
  return { peer, id, queuedAt, wire: { t: 'text', id, at: queuedAt, text: id } }
}

export function describeDirectStoreContract(name: string, open: () => Promise<DirectStore>) {
  describe(`DirectStore contract: ${name}`, () => {
    const opened: DirectStore[] = []
    const store = async () => {
      const made = await open()
      opened.push(made)
      return made
    }
    afterEach(() => {
      for (const s of opened.splice(0)) s.close()
    })

    it('keeps one contact per peer, as put', async () => {
      const s = await store()
      expect(await s.contacts()).toEqual([])
      const ann = contact(ANN, { name: 'Ann' })
      await s.putContact(ann)
      ann.name = 'changed after put'
      await s.putContact(contact(BOB))
      await s.putContact(contact(BOB, { unread: 2, verified: true }))
      const all = (await s.contacts()).sort((a, b) => (a.peer < b.peer ? -1 : 1))
      expect(all).toEqual([
        contact(ANN, { name: 'Ann' }),
        contact(BOB, { unread: 2, verified: true }),
      ])
    })

    it('gives a conversation’s latest messages, oldest first, and finds one by author and ID', async () => {
      const s = await store()
      for (const [id, at] of [
        ['m3', 30],
        ['m1', 10],
        ['m4', 40],
        ['m2', 20],
      ] as const) {
        await s.putMessage(text(ANN, id, at))
      }
      await s.putMessage(text(BOB, 'b1', 15))
      await s.putMessage(text(ANN, 'mine', 25, CYD))
      expect((await s.messages(ANN, 3)).map((m) => m.id)).toEqual(['mine', 'm3', 'm4'])
      expect((await s.messages(ANN, 10)).map((m) => m.id)).toEqual(['m1', 'm2', 'mine', 'm3', 'm4'])
      expect(await s.messages(CYD, 10)).toEqual([])
      expect(await s.getMessage(ANN, ANN, 'm2')).toEqual(text(ANN, 'm2', 20))
      expect(await s.getMessage(ANN, CYD, 'mine')).toEqual(text(ANN, 'mine', 25, CYD))
      expect(await s.getMessage(ANN, CYD, 'm2')).toBeUndefined()
      expect(await s.getMessage(BOB, ANN, 'm2')).toBeUndefined()
    })

    it('overwrites a message put again and lists file messages by state', async () => {
      const s = await store()
      await s.putMessage(file(ANN, 'f1', 'offered'))
      await s.putMessage(file(BOB, 'f2', 'offered'))
      await s.putMessage(file(ANN, 'f3', 'accepted'))
      await s.putMessage(text(ANN, 't1', 5))
      await s.putMessage(file(BOB, 'f2', 'received'))
      const ids = async (state: FileMessage['state']) =>
        (await s.filesInState(state)).map((m) => m.id).sort()
      expect(await ids('offered')).toEqual(['f1'])
      expect(await ids('accepted')).toEqual(['f3'])
      expect(await ids('received')).toEqual(['f2'])
      expect(await ids('failed')).toEqual([])
      expect(await s.getMessage(BOB, BOB, 'f2')).toEqual(file(BOB, 'f2', 'received'))
    })

    it('keeps the outbox in the order it was queued, and deletes only what is named', async () => {
      const s = await store()
      await s.putOutbox(queued(ANN, 'o2', 20))
      await s.putOutbox(queued(BOB, 'o1', 10))
      await s.putOutbox(queued(ANN, 'o3', 30))
      await s.putOutbox(queued(BOB, 'o3', 5))
      expect((await s.outbox()).map((e) => `${e.peer}:${e.id}`)).toEqual([
        `${BOB}:o3`,
        `${BOB}:o1`,
        `${ANN}:o2`,
        `${ANN}:o3`,
      ])
      await s.deleteOutbox(ANN, ['o3', 'o1', 'never'])
      expect(await s.outbox()).toEqual([
        queued(BOB, 'o3', 5),
        queued(BOB, 'o1', 10),
        queued(ANN, 'o2', 20),
      ])
    })
  })
}
