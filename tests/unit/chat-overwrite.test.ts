import { afterEach, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import { messageClaim } from '../../src/crdt/chat/chat-claims.ts'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import { proofBy } from '../support/forged-proof.ts'
import { until } from '../support/until.ts'
import { ChatWorld, shardHandle, type ChatDevice } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

const s = (text: string) => new ImmutableString(text)

/** Mel's own signature over `message` with other words, as a forger would make it. */
function proofOver(signer: ChatDevice, message: ChatMessage, text: string): Promise<string> {
  const { shard, id, author, hlc } = message
  return proofBy(signer, messageClaim(shard, id, author, hlc, text, undefined))
}

it('a member who overwrites others’ messages in the document cannot hide or change them', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const lunch = await ann!.chat.send('Lunch is at noon.')
  const budget = await ann!.chat.send('The budget is approved.')
  await until(() => bob!.chat.message(lunch.id), 'Bob to get Ann’s message')
  const agenda = await bob!.chat.send('Agenda attached.', { replyTo: lunch.id })
  await ann!.chat.toggleReaction(lunch.id, '👍')
  await until(
    () => mel!.chat.message(agenda.id) && mel!.chat.message(lunch.id)?.reactions.length,
    'Mel to get the messages and the reaction',
  )
  const doc = await shardHandle(mel!, lunch.shard)
  const melProof = s(await proofOver(mel!, budget, 'The budget is cut.'))

  // Mel writes straight into the shard, as a modified device would: new words in Ann's
  // message, new words and Mel's own proof in another, and Bob's replaced by an object of Mel's
  // making.
  doc.change((d) => {
    d.messages[lunch.id]!.x = s('Lunch is on Bob.')
    const b = d.messages[budget.id]!
    b.x = s('The budget is cut.')
    b.s = melProof
    d.messages[agenda.id] = {
      a: s(bob!.peer),
      t: d.messages[agenda.id]!.t,
      x: s('No agenda.'),
      re: {},
    }
  })
  const marker = await mel!.chat.send('Mel was here.')

  for (const dev of [ann!, bob!]) {
    await until(() => dev.chat.message(marker.id), `${dev.name} to get Mel’s writes`)
    // A message that now reads as unsigned is looked up in the history a moment later.
    await until(
      () => dev.chat.message(agenda.id)?.text === 'Agenda attached.',
      `${dev.name} to show Bob’s own words`,
    )
    expect(dev.chat.message(lunch.id)).toMatchObject({
      text: 'Lunch is at noon.',
      author: ann!.peer,
      verified: true,
    })
    // The rest of the record (here a reaction) is read as it stands.
    expect(dev.chat.message(lunch.id)!.reactions).toEqual([{ emoji: '👍', peers: [ann!.peer] }])
    expect(dev.chat.message(budget.id)).toMatchObject({
      text: 'The budget is approved.',
      verified: true,
    })
    expect(dev.chat.message(agenda.id)).toMatchObject({
      text: 'Agenda attached.',
      author: bob!.peer,
      replyTo: lunch.id,
      verified: true,
    })
    const texts = dev.chat.messages().map((m) => m.text)
    expect(texts).not.toContain('Lunch is on Bob.')
    expect(texts).not.toContain('The budget is cut.')
    expect(texts).not.toContain('No agenda.')
  }

  // The authors' own edits still count.
  await ann!.chat.edit(lunch.id, 'Lunch is at one.')
  await until(() => bob!.chat.message(lunch.id)?.text === 'Lunch is at one.', 'Ann’s edit')
  expect(bob!.chat.message(lunch.id)!.edited).toBe(true)
})
