import { afterEach, describe, expect, it } from 'vitest'
import * as Automerge from '@automerge/automerge'
import { parseAutomergeUrl, type AutomergeUrl } from '@automerge/automerge-repo'
import { CHAT_DOC_KIND, listShards, type ChatIndexDoc } from '../../src/crdt/chat/chat-doc.ts'
import { str } from '../../src/crdt/chat/message-view.ts'
import { initialShardBinary, shardDocumentId } from '../../src/crdt/chat/shard-doc.ts'
import { rootDocsEntry } from '../../src/crdt/chat/shard-registrar.ts'
import { until } from '../support/until.ts'
import { ChatWorld, order, shardHandle, type ChatDevice } from './chat-devices.ts'

const MINUTE = 60_000
let world: ChatWorld
afterEach(async () => {
  await world.close()
})

async function sendMany(dev: ChatDevice, n: number, label: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) ids.push((await dev.chat.send(`${label} ${i}`)).id)
  return ids
}

async function shardKeys(dev: ChatDevice): Promise<string[]> {
  const url = dev.wp.doc!.docs[CHAT_DOC_KIND] as AutomergeUrl
  const index = await dev.stack.repo.find<ChatIndexDoc>(url)
  return listShards(index.doc()).map((s) => s.key)
}

describe('chat shards', () => {
  it('splits history over shards and opens only the recent ones', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'], { bucketMs: MINUTE, shardLimit: 10 })
    const first = await sendMany(a!, 15, 'minute 0')
    await until(() => b!.chat.messages().length === 15, 'B to get the first minute')
    b!.chat.markRead()
    world.clock.t += MINUTE
    const second = await sendMany(a!, 15, 'minute 1')
    world.clock.t += MINUTE
    const third = await sendMany(a!, 15, 'minute 2')
    await until(() => b!.chat.messages().length === 45, 'B to get everything')
    expect(order(b!.chat)).toEqual([...first, ...second, ...third])
    const bucket = Math.floor(world.clock.t / MINUTE)
    const keys = (age: number) => [`${bucket - age}.1`, `${bucket - age}.0`]
    expect(await shardKeys(a!)).toEqual([...keys(0), ...keys(1), ...keys(2)])
    const full = (await shardHandle(a!, `${bucket}.0`)).doc()
    expect(Object.keys(full.messages)).toHaveLength(10)
    // Every shard is listed in the root, so the access policy shares it with members.
    for (const key of [...keys(0), ...keys(1), ...keys(2)])
      expect(b!.wp.doc!.docs[rootDocsEntry(key)]).toBeDefined()

    // A opens the chat again: the newest shard at once, then a page; older ones on demand.
    const reopened = await world.openChat(a!.stack, a!.wp, { pageSize: 10 })
    expect(reopened.messages().at(-1)?.id).toBe(third.at(-1))
    await reopened.settled()
    expect(reopened.loadedShards().sort()).toEqual(keys(0).sort())
    expect(order(reopened)).toEqual(third)
    expect(reopened.hasOlder()).toBe(true)
    expect(await reopened.loadOlder()).toBe(true)
    expect(order(reopened)).toEqual([...second.slice(10), ...third])
    expect(await reopened.reveal(first[0]!)).toBe(true)
    expect(order(reopened)).toEqual([...first, ...second, ...third])
    expect(reopened.hasOlder()).toBe(false)
    expect(await reopened.loadOlder()).toBe(false)

    // B read up to minute 0: its reopened chat goes back to there, and counts what is unread.
    const bAgain = await world.openChat(b!.stack, b!.wp, { pageSize: 10 })
    await bAgain.settled()
    expect(bAgain.loadedShards().sort()).toEqual([...keys(0), ...keys(1), `${bucket - 2}.1`].sort())
    expect(bAgain.unreadCount()).toBe(30)
    expect(bAgain.firstUnread()?.id).toBe(second[0])
    const bCapped = await world.openChat(b!.stack, b!.wp, { pageSize: 10, maxInitialShards: 3 })
    await bCapped.settled()
    expect(bCapped.loadedShards()).toHaveLength(3)
  })

  it('loses no message when members start the same shards at once', async () => {
    world = new ChatWorld()
    const [a, c] = await world.devices(['Ann', 'Cy'], { bucketMs: MINUTE, shardLimit: 3 })
    const before = await a!.chat.send('before the split')
    await until(() => c!.chat.message(before.id), 'C to see it')

    world.away(c!)
    world.clock.t += MINUTE
    const fromA = await sendMany(a!, 4, 'A apart')
    const fromC = await sendMany(c!, 4, 'C apart')
    const bucket = Math.floor(world.clock.t / MINUTE)
    // Each side started this minute's two shards on its own.
    expect(await shardKeys(a!)).toEqual(await shardKeys(c!))

    world.back(c!)
    const all = [before.id, ...fromA, ...fromC]
    for (const dev of [a!, c!])
      await until(() => all.every((id) => dev.chat.message(id)), `${dev.name} to have all`)
    expect(order(a!.chat)).toEqual(order(c!.chat))
    expect(await shardKeys(a!)).toEqual([`${bucket}.1`, `${bucket}.0`, `${bucket - 1}.0`])
    const part0 = (await shardHandle(c!, `${bucket}.0`)).doc()
    const authors = Object.values(part0.messages).map((m) => str(m.a))
    expect(authors.filter((p) => p === a!.peer)).toHaveLength(3)
    expect(authors.filter((p) => p === c!.peer)).toHaveLength(3)
  })

  it('keeps following today’s shards when a member’s clock is years ahead', async () => {
    world = new ChatWorld()
    const [a, b] = await world.devices(['Ann', 'Bob'], { bucketMs: MINUTE })
    const today = await a!.chat.send('today')
    const yearsAhead = () => world.clock.t + 10 * 365 * 24 * 3600_000
    const skewed = await world.openChat(b!.stack, b!.wp, { now: yearsAhead })
    const future = await skewed.send('from the future')
    expect(future.shard).not.toBe(today.shard)
    await until(() => a!.chat.message(future.id), 'A to get the skewed message')

    const reopened = await world.openChat(a!.stack, a!.wp)
    expect(reopened.loadedShards()).toEqual([today.shard])
    await reopened.settled()
    world.clock.t += 1000
    const later = await b!.chat.send('still today')
    expect(later.shard).toBe(today.shard)
    await until(() => reopened.message(later.id), 'the reopened chat to follow today’s shard')
    expect(order(reopened)).toEqual([today.id, later.id, future.id])
  })

  it('derives the same shard document and first change on every peer', () => {
    const chat = parseAutomergeUrl(
      'automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu' as AutomergeUrl,
    ).documentId
    expect(shardDocumentId(chat, '1.0')).toBe(shardDocumentId(chat, '1.0'))
    expect(shardDocumentId(chat, '1.0')).not.toBe(shardDocumentId(chat, '1.1'))
    expect(initialShardBinary(chat, '1.0')).toEqual(initialShardBinary(chat, '1.0'))

    // Two peers start the shard apart, write, and merge: both messages survive.
    const write = (id: string) =>
      Automerge.change(Automerge.load<{ messages: Record<string, string> }>(seed()), (d) => {
        d.messages[id] = id
      })
    const seed = () => initialShardBinary(chat, '1.0')
    const merged = Automerge.merge(write('from-a'), write('from-c'))
    expect(Object.keys(merged.messages).sort()).toEqual(['from-a', 'from-c'])
    // Without the shared first change, one side's `messages` map would win and the other's go.
    const naive = (id: string) => Automerge.from({ messages: { [id]: id } })
    const lost = Automerge.merge(naive('from-a'), naive('from-c'))
    expect(Object.keys(lost.messages)).toHaveLength(1)
  })
})
