import { afterEach, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import { receiptClaim } from '../../src/crdt/chat/chat-claims.ts'
import type { WorkplaceChat } from '../../src/crdt/chat/workplace-chat.ts'
import { proofBy } from '../support/forged-proof.ts'
import { until } from '../support/until.ts'
import { ChatWorld, forgeInShard, shardHandle } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

const s = (text: string) => new ImmutableString(text)

it('a read mark another member removes, lowers or overwrites still counts, on every device', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const first = await ann!.chat.send('First.')
  await until(() => bob!.chat.message(first.id), 'Bob to get the first message')
  bob!.chat.markRead()
  const key = `${bob!.peer} ${ann!.peer}`
  const bobDoc = await shardHandle(bob!, first.shard)
  const older = await until(() => bobDoc.doc().read[key], 'Bob’s first read mark')
  const second = await ann!.chat.send('Second.')
  await until(() => bob!.chat.message(second.id), 'Bob to get the second message')
  bob!.chat.markRead()
  const readBy = (chat: WorkplaceChat) => chat.receipt(second.id)?.read.includes(bob!.peer)
  for (const dev of [ann!, mel!]) {
    await until(() => readBy(dev.chat), `${dev.name} to see that Bob read it`)
  }

  // Mel removes Bob's mark, puts back his older one, and writes one in his name with Mel's key.
  const forged = await proofBy(mel!, receiptClaim(first.shard, 'read', bob!.peer, ann!.peer, '0'))
  const edits = [
    (d: { read: Record<string, ImmutableString> }) => delete d.read[key],
    (d: { read: Record<string, ImmutableString> }) => (d.read[key] = s(older.val)),
    (d: { read: Record<string, ImmutableString> }) => (d.read[key] = s(`${first.hlc} ${forged}`)),
  ]
  for (const edit of edits) {
    await forgeInShard(mel!, first.shard, [ann!, bob!], (d) => void edit(d))
    expect(readBy(ann!.chat)).toBe(true)
    // Only Mel's messages are new to Bob.
    expect(bob!.chat.firstUnread()?.author).toBe(mel!.peer)
  }

  // A chat opened now, which never saw Bob's mark, finds it in the shard's history.
  const fresh = await world.openChat(ann!.stack, ann!.wp)
  await until(() => readBy(fresh), 'the reopened chat to find Bob’s mark', 8000)
  const bobAgain = await world.openChat(bob!.stack, bob!.wp)
  await until(
    () => bobAgain.firstUnread()?.author === mel!.peer,
    'Bob’s reopened chat to count only Mel’s messages unread',
    8000,
  )
})
