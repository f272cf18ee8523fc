import { afterEach, describe, expect, it } from 'vitest'
import * as Automerge from '@automerge/automerge'
import { ImmutableString } from '@automerge/automerge-repo'
import { ChatError } from '../../src/crdt/chat/chat-error.ts'
import { MAX_MESSAGE_BYTES } from '../../src/crdt/chat/chat-doc.ts'
import { receiptLabel } from '../../src/crdt/chat/receipt-view.ts'
import { until } from '../support/until.ts'
import { ChatWorld, order, shardHandle } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

describe('workplace chat', () => {
  it('a member who was away sees every message in the same order, replies linked', async () => {
    world = new ChatWorld()
    const [a, b, c] = await world.devices(['Ann', 'Bob', 'Cy'])
    const hello = await a!.chat.send('hello all')
    await until(() => b!.chat.message(hello.id) && c!.chat.message(hello.id), 'B and C to see it')

    world.away(b!)
    world.clock.t += 1000
    const a1 = await a!.chat.send('while Bob is out')
    await until(() => c!.chat.message(a1.id), 'C to see it')
    const c1 = await c!.chat.send('noted', { replyTo: a1.id })
    const bOffline = await b!.chat.send('written offline')
    const a2 = await a!.chat.send('one more')
    await until(() => c!.chat.message(a2.id) && a!.chat.message(c1.id), 'A and C to converge')
    expect(b!.chat.message(a1.id)).toBeUndefined()

    world.back(b!)
    const all = [hello.id, a1.id, c1.id, bOffline.id, a2.id]
    for (const dev of [a!, b!, c!]) {
      await until(() => all.every((id) => dev.chat.message(id)), `${dev.name} to have everything`)
    }
    expect(order(b!.chat)).toEqual(order(a!.chat))
    expect(order(c!.chat)).toEqual(order(a!.chat))
    expect(order(a!.chat)).toHaveLength(5)
    const reply = b!.chat.message(c1.id)!
    expect(reply.replyTo).toBe(a1.id)
    expect(reply.text).toBe('noted')
    expect(order(b!.chat).indexOf(a1.id)).toBeLessThan(order(b!.chat).indexOf(c1.id))
  })

  it('shows delivery and read receipts from the members’ replicated state', async () => {
    world = new ChatWorld()
    const [a, b, c] = await world.devices(['Ann', 'Bob', 'Cy'])
    world.away(b!)
    const m = await a!.chat.send('did you get this?')
    expect(a!.chat.receipt(m.id)!.state).toBe('sent')
    expect(receiptLabel(a!.chat.receipt(m.id)!)).toBe('sent')

    await until(() => a!.chat.receipt(m.id)!.delivered.length === 1, 'C’s device to confirm')
    let receipt = a!.chat.receipt(m.id)!
    expect(receipt.delivered).toEqual([c!.peer])
    expect(receipt.missing).toEqual([b!.peer])
    expect(receiptLabel(receipt)).toBe('delivered to 1 of 2')

    world.back(b!)
    await until(() => a!.chat.receipt(m.id)!.state === 'delivered', 'delivered to all')
    expect(receiptLabel(a!.chat.receipt(m.id)!)).toBe('delivered to all')
    expect(a!.chat.receipt(m.id)!.missing).toEqual([])
    expect(b!.chat.unreadCount()).toBe(1)
    expect(b!.chat.firstUnread()?.id).toBe(m.id)

    b!.chat.markRead()
    expect(b!.chat.unreadCount()).toBe(0)
    await until(() => a!.chat.receipt(m.id)!.read.length === 1, 'B’s read receipt')
    receipt = a!.chat.receipt(m.id)!
    expect(receipt.read).toEqual([b!.peer])
    expect(receiptLabel(receipt)).toBe('delivered to all, read by 1')

    c!.chat.markRead()
    await until(() => a!.chat.receipt(m.id)!.state === 'read', 'read by all')
    expect(receiptLabel(a!.chat.receipt(m.id)!)).toBe('read by all')
    // Receipts are one mark per (reader, author) in the shard, not one per message.
    const later = await a!.chat.send('and this?')
    await until(() => a!.chat.receipt(later.id)!.state === 'delivered', 'the second delivered')
    const shard = (await shardHandle(a!, later.shard)).doc()
    const marks = [`${b!.peer} ${a!.peer}`, `${c!.peer} ${a!.peer}`].sort()
    expect(Object.keys(shard.delivered).sort()).toEqual(marks)
    expect(Object.keys(shard.read).sort()).toEqual(marks)
  })

  it('counts a message written offline as unread although newer messages were read', async () => {
    world = new ChatWorld()
    const [a, b, c] = await world.devices(['Ann', 'Bob', 'Cy'])
    const c0 = await c!.chat.send('before')
    await until(() => b!.chat.message(c0.id), 'B to get it')
    b!.chat.markRead()
    world.away(c!)
    world.clock.t += 1000
    const c1 = await c!.chat.send('written offline')
    world.clock.t += 1000
    await a!.chat.send('meanwhile')
    const a2 = await a!.chat.send('and more')
    await until(() => b!.chat.message(a2.id), 'B to get Ann’s')
    b!.chat.markRead()
    expect(b!.chat.unreadCount()).toBe(0)

    world.back(c!)
    await until(() => b!.chat.message(c1.id), 'B to get the offline message')
    // Older than what B read of Ann's, newer than what B read of Cy's.
    expect(order(b!.chat).indexOf(c1.id)).toBeLessThan(order(b!.chat).indexOf(a2.id))
    expect(b!.chat.unreadCount()).toBe(1)
    expect(b!.chat.firstUnread()?.id).toBe(c1.id)
  })

  it('a reader marks read with the next receipts: one change, and only what was shown', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'], {}, { receiptDelayMs: 100 })
    const first = await a!.chat.send('first')
    await until(() => b!.chat.message(first.id), 'B to get it')
    b!.chat.markReadSoon()
    await until(() => a!.chat.receipt(first.id)!.state === 'read', 'B’s receipt')
    const handle = await shardHandle(b!, first.shard)
    const own = () => {
      const doc = handle.doc()
      const actor = Automerge.getActorId(doc)
      return Automerge.getAllChanges(doc).filter((c) => Automerge.decodeChange(c).actor === actor)
    }
    // Delivered and read went out together.
    expect(own()).toHaveLength(1)

    const second = await a!.chat.send('second')
    await until(() => a!.chat.receipt(second.id)!.state === 'delivered', 'delivered to B')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(a!.chat.receipt(second.id)!.state).toBe('delivered')
    expect(b!.chat.unreadCount()).toBe(1)
    expect(own()).toHaveLength(2)
  })

  it('ignores edits and deletions by anyone but the author', async () => {
    world = new ChatWorld()
    const [a, b, c] = await world.devices(['Ann', 'Bob', 'Cy'])
    const m = await a!.chat.send('original')
    // Each shows it once its signature is checked; a message not yet shown has nothing to keep.
    for (const dev of [b!, c!]) await until(() => dev.chat.message(m.id), `${dev.name} to see it`)
    expect(() => b!.chat.edit(m.id, 'hijacked')).toThrow(ChatError)
    expect(() => b!.chat.deleteMessage(m.id)).toThrow(/Only its author/)

    // A modified client writes anyway, into its own entries of the message.
    const vandal = await shardHandle(b!, m.shard)
    vandal.change((d) => {
      const msg = d.messages[m.id]!
      const late = new ImmutableString('2999999999999.0000')
      msg.ed ??= {}
      msg.del ??= {}
      msg.ed[b!.peer] = { x: new ImmutableString('hijacked'), t: late }
      msg.del[b!.peer] = late
    })
    for (const dev of [a!, c!]) {
      const handle = await shardHandle(dev, m.shard)
      await until(() => handle.doc().messages[m.id]?.del?.[b!.peer], `${dev.name} to get it`)
    }
    for (const dev of [a!, b!, c!]) {
      const seen = dev.chat.message(m.id)!
      expect(seen.text).toBe('original')
      expect(seen.edited).toBe(false)
      expect(seen.deleted).toBe(false)
    }

    a!.chat.edit(m.id, 'revised')
    await until(() => c!.chat.message(m.id)?.text === 'revised', 'C to see the edit')
    expect(c!.chat.message(m.id)!.edited).toBe(true)
    a!.chat.deleteMessage(m.id)
    await until(() => b!.chat.message(m.id)?.deleted, 'B to see the deletion')
    expect(b!.chat.message(m.id)!.text).toBe('')
  })

  it('keeps reactions per member and refuses oversized messages', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'])
    const m = await a!.chat.send('react to me')
    await until(() => b!.chat.message(m.id), 'B to see it')
    b!.chat.toggleReaction(m.id, '👍')
    a!.chat.toggleReaction(m.id, '👍')
    a!.chat.toggleReaction(m.id, '🎉')
    await until(() => b!.chat.message(m.id)!.reactions.length === 2, 'both reactions')
    expect(b!.chat.message(m.id)!.reactions[0]).toEqual({
      emoji: '👍',
      peers: [a!.peer, b!.peer].sort(),
    })
    a!.chat.toggleReaction(m.id, '🎉')
    await until(() => b!.chat.message(m.id)!.reactions.length === 1, 'A to take 🎉 back')
    expect(() => a!.chat.toggleReaction(m.id, 'no spaces')).toThrow(ChatError)

    const big = 'x'.repeat(MAX_MESSAGE_BYTES + 1)
    await expect(a!.chat.send(big)).rejects.toThrow(/at most 16 KiB/)
    await expect(a!.chat.send('é'.repeat(MAX_MESSAGE_BYTES / 2 + 1))).rejects.toMatchObject({
      code: 'too-long',
    })
    await expect(a!.chat.send('   ')).rejects.toMatchObject({ code: 'empty' })
    const fits = await a!.chat.send('x'.repeat(MAX_MESSAGE_BYTES))
    await until(() => b!.chat.message(fits.id), 'the largest allowed message to arrive')
    await expect(a!.chat.send('reply', { replyTo: 'aaaaaaaaaaaaaaaa' })).rejects.toMatchObject({
      code: 'unknown-message',
    })
  })

  it('shares shards with members only', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'])
    const m = await a!.chat.send('for members')
    await until(() => b!.chat.message(m.id), 'B to get it')
    const mal = await world.device('Mal')
    world.hub.link(a!.peer, mal.peer)
    const shard = await shardHandle(a!, m.shard)
    expect(a!.stack.workplaces.mayExchange(b!.peer, shard.documentId)).toBe(true)
    expect(b!.stack.workplaces.mayExchange(a!.peer, shard.documentId)).toBe(true)
    expect(a!.stack.workplaces.mayExchange(mal.peer, shard.documentId)).toBe(false)
    mal.stack.workplaces.trustWhileJoining(shard.documentId, a!.peer)
    await expect(
      mal.stack.repo.find(shard.documentId, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow()
  })
})
