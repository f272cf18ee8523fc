import { afterEach, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import { reactionClaim } from '../../src/crdt/chat/chat-claims.ts'
import type { WorkplaceChat } from '../../src/crdt/chat/workplace-chat.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { proofBy } from '../support/forged-proof.ts'
import { until } from '../support/until.ts'
import { ChatWorld, forgeInShard, shardHandle } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

const s = (text: string) => new ImmutableString(text)
const LATE = '2999999999999.0000'

/** The members a chat shows reacting to a message with `emoji`. */
function reacted(chat: WorkplaceChat, id: string, emoji: string): PeerId[] {
  return chat.message(id)?.reactions.find((r) => r.emoji === emoji)?.peers ?? []
}

it('only a member’s own signed take-back removes their reaction; a removed one is read from the history', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const lunch = await ann!.chat.send('Lunch is at noon.')
  await until(() => bob!.chat.message(lunch.id), 'Bob to get Ann’s message')
  await bob!.chat.toggleReaction(lunch.id, '👍')
  for (const dev of [ann!, mel!]) {
    await until(() => reacted(dev.chat, lunch.id, '👍').length, `${dev.name} to see Bob’s reaction`)
  }
  const key = `${bob!.peer} 👍`
  const bobs = [bob!.peer]

  // Mel removes Bob's reaction from the document, as a modified device would.
  await forgeInShard(mel!, lunch.shard, [ann!, bob!], (d) => {
    delete d.messages[lunch.id]!.re[key]
  })
  expect(reacted(ann!.chat, lunch.id, '👍')).toEqual(bobs)
  expect(reacted(bob!.chat, lunch.id, '👍')).toEqual(bobs)
  // A chat opened now (it never saw the reaction) finds it in the shard's history.
  const fresh = await world.openChat(ann!.stack, ann!.wp)
  await until(() => reacted(fresh, lunch.id, '👍').length, 'the reopened chat to find it', 8000)

  // Take-backs in Bob's name: unsigned, signed by Mel's key, and an older form's `true`.
  const forged = await proofBy(
    mel!,
    reactionClaim(lunch.shard, lunch.id, bob!.peer, '👍', {
      on: false,
      hlc: LATE,
    }),
  )
  for (const value of [s(`${LATE} off`), s(`${LATE} off ${forged}`), true] as const) {
    await forgeInShard(mel!, lunch.shard, [ann!, bob!], (d) => {
      d.messages[lunch.id]!.re[key] = value
    })
    for (const chat of [ann!.chat, bob!.chat, fresh]) {
      expect(reacted(chat, lunch.id, '👍'), String(value)).toEqual(bobs)
    }
  }

  // Bob's own take-back counts everywhere; so does his reacting again.
  await bob!.chat.toggleReaction(lunch.id, '👍')
  const takenBack = bob!.chat.message(lunch.id)!
  expect(reacted(bob!.chat, lunch.id, '👍')).toEqual([])
  const takeBackValue = (await shardHandle(bob!, lunch.shard)).doc().messages[lunch.id]!.re[key]
  await until(() => reacted(ann!.chat, lunch.id, '👍').length === 0, 'Ann to see the take-back')
  await until(() => reacted(fresh, lunch.id, '👍').length === 0, 'the reopened chat too')
  expect(takenBack.reactions).toEqual([])
  await bob!.chat.toggleReaction(lunch.id, '👍')
  await until(() => reacted(ann!.chat, lunch.id, '👍').length, 'Ann to see Bob react again')

  // Bob's earlier take-back, replayed by Mel, is older than his reaction: it stays.
  await forgeInShard(mel!, lunch.shard, [ann!, bob!], (d) => {
    d.messages[lunch.id]!.re[key] = takeBackValue!
  })
  for (const chat of [ann!.chat, bob!.chat, fresh]) {
    expect(reacted(chat, lunch.id, '👍')).toEqual(bobs)
  }
})

it('reactions signed before take-backs were still read, and their members can take them back', async () => {
  world = new ChatWorld()
  const [ann, bob] = await world.devices(['Ann', 'Bob'])
  const lunch = await ann!.chat.send('Lunch is at noon.')
  await until(() => bob!.chat.message(lunch.id), 'Bob to get Ann’s message')
  // Bob's device wrote a reaction the way it did before take-backs were signed: the bare proof.
  const older = await proofBy(bob!, reactionClaim(lunch.shard, lunch.id, bob!.peer, '🎉'))
  const doc = await shardHandle(bob!, lunch.shard)
  doc.change((d) => {
    d.messages[lunch.id]!.re[`${bob!.peer} 🎉`] = s(older)
  })
  for (const dev of [ann!, bob!]) {
    await until(() => reacted(dev.chat, lunch.id, '🎉').length, `${dev.name} to read it`)
  }
  await bob!.chat.toggleReaction(lunch.id, '🎉')
  for (const dev of [ann!, bob!]) {
    await until(() => reacted(dev.chat, lunch.id, '🎉').length === 0, `${dev.name}: taken back`)
  }
})
