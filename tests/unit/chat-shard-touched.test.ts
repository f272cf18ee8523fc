import { afterEach, expect, it, vi } from 'vitest'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type * as ShardMessages from '../../src/crdt/chat/shard-messages.ts'
import { until } from '../support/until.ts'
import { untilQuiet } from '../support/until-quiet.ts'
import { ChatWorld } from './chat-devices.ts'

// Counts the shard reads: whole shards, and each message read on its own.
const reads = vi.hoisted(() => ({ whole: 0, some: new Map<string, number>() }))
vi.mock('../../src/crdt/chat/shard-messages.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof ShardMessages>()
  return {
    ...actual,
    readShardMessages: (...args: Parameters<typeof actual.readShardMessages>) => {
      reads.whole++
      return actual.readShardMessages(...args)
    },
    readSomeShardMessages: (...args: Parameters<typeof actual.readSomeShardMessages>) => {
      const ids = [...args[1]]
      for (const id of ids) reads.some.set(id, (reads.some.get(id) ?? 0) + 1)
      return actual.readSomeShardMessages(args[0], ids, args[2])
    },
  }
})

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

it('a busy shard reads again only the messages a change touched, not the whole shard', async () => {
  world = new ChatWorld()
  const [ann, bob, cy] = await world.devices(['Ann', 'Bob', 'Cy'])
  const everyone = [ann!, bob!, cy!]
  const earlier: ChatMessage[] = []
  for (let i = 0; i < 5; i++) {
    world.clock.t += 1000
    earlier.push(await everyone[i % 3]!.chat.send(`earlier ${i}`))
  }
  for (const d of everyone) {
    await until(() => earlier.every((m) => d.chat.message(m.id)), `${d.name} to have them all`)
    d.chat.markRead()
  }
  await until(
    () =>
      earlier
        .filter((m) => m.author === ann!.peer)
        .every((m) => ann!.chat.receipt(m.id)?.state === 'read'),
    "Ann's messages read by all",
  )
  // Each device's first looks at the shard (its opening, its history's first read) are over
  // once no whole read came for a while.
  await untilQuiet(() => reads.whole, 'the first whole reads to be over')
  reads.whole = 0
  reads.some.clear()

  // New messages, each with its signature check and everyone's receipts for it.
  const later: ChatMessage[] = []
  for (let i = 0; i < 3; i++) {
    world.clock.t += 1000
    const m = await everyone[(i + 1) % 3]!.chat.send(`later ${i}`)
    later.push(m)
    for (const d of everyone) {
      await until(() => d.chat.message(m.id), `${d.name} to have later ${i}`)
      d.chat.markRead()
    }
  }
  await until(
    () => later.every((m) => everyone.every((d) => d.chat.message(m.id)?.verified)),
    'every later message checked everywhere',
  )

  // A device may still read its shard whole once or twice here, for reasons of its own (its
  // first look at the shard's history, a send opening the shard for writing): not once or more
  // per change, as every message and receipt did before.
  expect(reads.whole).toBeLessThanOrEqual(3)
  for (const m of earlier) expect(reads.some.get(m.id) ?? 0).toBe(0)
  // Each new message is read on each device as it arrives, and again once its check is done.
  for (const m of later) expect(reads.some.get(m.id) ?? 0).toBeLessThanOrEqual(3 * 3)
  // And they read as they should.
  for (const d of everyone) {
    expect(d.chat.messages().map((m) => m.text)).toEqual([
      ...earlier.map((m) => m.text),
      ...later.map((m) => m.text),
    ])
  }
})

it('an edit, a reaction and a deletion each show, read from the touched message alone', async () => {
  world = new ChatWorld()
  const [ann, bob] = await world.devices(['Ann', 'Bob'])
  world.clock.t += 1000
  const first = await ann!.chat.send('first')
  const second = await ann!.chat.send('second')
  await until(() => bob!.chat.message(second.id), 'Bob to have both')
  reads.whole = 0

  await ann!.chat.edit(first.id, 'first, edited')
  await until(() => bob!.chat.message(first.id)?.text === 'first, edited', 'the edit on Bob')
  await bob!.chat.toggleReaction(second.id, '👍')
  await until(() => ann!.chat.message(second.id)?.reactions.length === 1, 'the reaction on Ann')
  await ann!.chat.deleteMessage(second.id)
  await until(() => bob!.chat.message(second.id)?.deleted, 'the deletion on Bob')

  expect(reads.whole).toBeLessThanOrEqual(2)
  expect(bob!.chat.message(first.id)).toMatchObject({ text: 'first, edited', edited: true })
  expect(ann!.chat.message(second.id)).toMatchObject({ deleted: true, text: '' })
})
