import { afterEach, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import type { ChatMessage } from '../../src/crdt/chat/message-view.ts'
import type { WorkplaceChat } from '../../src/crdt/chat/workplace-chat.ts'
import { until } from '../support/until.ts'
import { ChatWorld, shardHandle } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

const s = (text: string) => new ImmutableString(text)

/** Every text a chat shows from now on, each time it changes (what a reader could have seen). */
function watchTexts(chat: WorkplaceChat): Set<string> {
  const seen = new Set<string>()
  const look = () => {
    for (const m of chat.messages()) seen.add(m.text)
  }
  chat.on('change', look)
  look()
  return seen
}

it('a member who removes others’ messages or their parts from the shard cannot hide or undo them', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const lunch = await ann!.chat.send('Lunch is at noon.')
  const budget = await ann!.chat.send('The budget is draft.')
  await ann!.chat.edit(budget.id, 'The budget is approved.')
  const secret = await ann!.chat.send('The code is 1234.')
  await ann!.chat.deleteMessage(secret.id)
  const notes = await bob!.chat.send('Notes attached.')
  await until(() => bob!.chat.message(lunch.id), 'Bob to get Ann’s message')
  await bob!.chat.toggleReaction(lunch.id, '👍')
  await until(
    () =>
      mel!.chat.message(lunch.id)?.reactions.length &&
      mel!.chat.message(secret.id)?.deleted &&
      mel!.chat.message(budget.id)?.edited &&
      mel!.chat.message(notes.id),
    'Mel to get every message, edit, deletion and reaction',
  )
  const bobSaw = watchTexts(bob!.chat)

  // Mel writes straight into the shard, as a modified device would: Ann's first message removed
  // (with Bob's reaction), Bob's replaced by a string, Ann's edit removed, and Ann's deletion
  // removed with her words put back (as she signed them, so the message alone reads genuine).
  const doc = await shardHandle(mel!, lunch.shard)
  doc.change((d) => {
    delete d.messages[lunch.id]
    ;(d.messages as Record<string, unknown>)[notes.id] = 'gone'
    delete d.messages[budget.id]!.ed
    const m = d.messages[secret.id]!
    delete m.del
    m.x = s('The code is 1234.')
  })
  const marker = await mel!.chat.send('Mel was here.')

  const expectGenuine = (chat: WorkplaceChat, who: string) => {
    expect(chat.message(lunch.id), who).toMatchObject({
      text: 'Lunch is at noon.',
      author: ann!.peer,
      verified: true,
      reactions: [{ emoji: '👍', peers: [bob!.peer] }],
    })
    expect(chat.message(notes.id), who).toMatchObject({
      text: 'Notes attached.',
      author: bob!.peer,
      verified: true,
    })
    expect(chat.message(budget.id), who).toMatchObject({
      text: 'The budget is approved.',
      edited: true,
      verified: true,
    })
    expect(chat.message(secret.id), who).toMatchObject({ text: '', deleted: true })
  }
  // Signatures are checked off the receiving path: a message may show before it is verified.
  const settlesGenuine = async (chat: WorkplaceChat, who: string) => {
    const genuine = () => {
      try {
        expectGenuine(chat, who)
        return true
      } catch {
        return false
      }
    }
    await until(genuine, `${who} to verify the messages`).catch(() => undefined)
    expectGenuine(chat, who)
  }

  // Devices that had the messages show them as they were, as soon as Mel's change is in.
  for (const dev of [ann!, bob!]) {
    await until(() => dev.chat.message(marker.id), `${dev.name} to get Mel’s change`)
    await settlesGenuine(dev.chat, dev.name)
  }
  // Not even for a moment did Bob's chat lose them, or show the deleted words again.
  for (const text of ['Lunch is at noon.', 'Notes attached.', 'The budget is approved.']) {
    expect(bobSaw).toContain(text)
  }
  expect(bobSaw).not.toContain('The code is 1234.')
  expect(bobSaw).not.toContain('The budget is draft.')

  // A chat opened after the removal (nothing seen before) finds them in the shard's history.
  const reopened = await world.openChat(bob!.stack, bob!.wp)
  const reopenedSaw = watchTexts(reopened)
  await until(() => reopened.message(lunch.id) && reopened.message(notes.id), 'the history read')
  await settlesGenuine(reopened, 'reopened')
  expect(reopenedSaw).not.toContain('The code is 1234.')
  expect(reopenedSaw).not.toContain('The budget is draft.')

  // The restored messages still take their authors' reactions.
  await ann!.chat.toggleReaction(notes.id, '🎉')
  await until(
    () => bob!.chat.message(notes.id)?.reactions.length,
    'Ann’s reaction on the restored message',
  )
})

it('a message stripped of its proof with new words never reads as those words, not even at first', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const meeting = await ann!.chat.send('The meeting is at 10.')
  const other = await bob!.chat.send('Fine.')
  await until(() => mel!.chat.message(other.id) && ann!.chat.message(other.id), 'the messages')
  const annSaw = watchTexts(ann!.chat)
  const doc = await shardHandle(mel!, meeting.shard)
  doc.change((d) => {
    const m = d.messages[meeting.id]!
    delete m.s
    m.x = s('The meeting is cancelled.')
  })
  const marker = await mel!.chat.send('Mel was here.')
  await until(() => ann!.chat.message(marker.id), 'Ann to get Mel’s change')
  expect(ann!.chat.message(meeting.id)).toMatchObject({
    text: 'The meeting is at 10.',
    verified: true,
  })

  // A chat opened afresh reads it right from its first look.
  const reopened = await world.openChat(bob!.stack, bob!.wp)
  await until(() => reopened.message(marker.id), 'the reopened chat to load')
  const first: ChatMessage | undefined = reopened.message(meeting.id)
  expect(first).toMatchObject({ text: 'The meeting is at 10.', verified: true })
  expect(annSaw).not.toContain('The meeting is cancelled.')
})

it('a member who replaces a shard’s whole message map cannot hide what was in it', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const hello = await ann!.chat.send('Hello all.')
  await until(() => bob!.chat.message(hello.id), 'Bob to get Ann’s message')
  const reply = await bob!.chat.send('Hi Ann.', { replyTo: hello.id })
  await until(() => mel!.chat.message(reply.id) && ann!.chat.message(reply.id), 'the messages')
  const doc = await shardHandle(mel!, hello.shard)
  doc.change((d) => {
    d.messages = {}
  })
  const marker = await mel!.chat.send('Mel was here.')
  for (const dev of [ann!, bob!]) {
    await until(() => dev.chat.message(marker.id), `${dev.name} to get Mel’s change`)
    expect(dev.chat.message(hello.id)).toMatchObject({ text: 'Hello all.', verified: true })
    expect(dev.chat.message(reply.id)).toMatchObject({ text: 'Hi Ann.', replyTo: hello.id })
  }
  // The authors' own edits still go in.
  await bob!.chat.edit(reply.id, 'Hi Ann!')
  await until(() => ann!.chat.message(reply.id)?.text === 'Hi Ann!', 'Bob’s edit')
})

it('a shard whose every message was stripped of its proof reads as signed from a new chat’s first look', async () => {
  world = new ChatWorld()
  const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
  const meeting = await ann!.chat.send('The meeting is at 10.')
  await until(() => mel!.chat.message(meeting.id) && bob!.chat.message(meeting.id), 'the message')
  const doc = await shardHandle(mel!, meeting.shard)
  doc.change((d) => {
    const m = d.messages[meeting.id]!
    delete m.s
    m.x = s('The meeting is cancelled.')
  })
  const bobDoc = await shardHandle(bob!, meeting.shard)
  await until(() => bobDoc.doc().messages[meeting.id]!.s === undefined, 'Bob to get Mel’s change')

  // Nothing signed is left in the shard's messages: only its history tells what Ann wrote.
  const reopened = await world.openChat(bob!.stack, bob!.wp)
  const first = await until(() => reopened.message(meeting.id), 'the reopened chat to read it')
  const seen = watchTexts(reopened)
  expect(first).toMatchObject({ text: 'The meeting is at 10.', verified: true })
  await new Promise((resolve) => setTimeout(resolve, 700))
  expect(reopened.message(meeting.id)).toMatchObject({ text: 'The meeting is at 10.' })
  expect(seen).not.toContain('The meeting is cancelled.')
})
