import { afterEach, describe, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import {
  deleteClaim,
  editClaim,
  messageClaim,
  reactionClaim,
  receiptClaim,
} from '../../src/crdt/chat/chat-claims.ts'
import type { Claim } from '../../src/peer/identity/record-proof.ts'
import { proofBy } from '../support/forged-proof.ts'
import { until } from '../support/until.ts'
import { ChatWorld, shardHandle, type ChatDevice } from './chat-devices.ts'

let world: ChatWorld
afterEach(async () => {
  await world.close()
})

/** A proof made by `signer`'s key for a claim that may name someone else, as stored. */
async function storedProofBy(signer: ChatDevice, claim: Claim): Promise<ImmutableString> {
  return new ImmutableString(await proofBy(signer, claim))
}

const s = (text: string) => new ImmutableString(text)
const LATE = '2999999999999.0000'

describe('a member who forges others’ chat records', () => {
  it('cannot post, edit, delete, react or send receipts as another member', async () => {
    world = new ChatWorld()
    const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
    const meeting = await ann!.chat.send('The meeting is at 10.')
    await until(() => mel!.chat.message(meeting.id), 'Mel to get Ann’s message')
    const shard = meeting.shard
    const doc = await shardHandle(mel!, shard)
    const t = '2030000000000.0001'

    // Mel writes straight into the document, as a modified device would.
    const posted = 'abcdefghijklmnop'
    const signedByMel = 'bcdefghijklmnopq'
    const replayed = 'cdefghijklmnopqr'
    const postClaim = messageClaim(shard, signedByMel, ann!.peer, t, 'Fire Bob.', undefined)
    const melPost = await storedProofBy(mel!, postClaim)
    const editProof = await storedProofBy(mel!, editClaim(shard, meeting.id, ann!.peer, LATE, 'x'))
    const delProof = await storedProofBy(mel!, deleteClaim(shard, meeting.id, ann!.peer, LATE))
    const reactProof = await storedProofBy(mel!, reactionClaim(shard, meeting.id, bob!.peer, '👎'))
    const readProof = await storedProofBy(
      mel!,
      receiptClaim(shard, 'read', bob!.peer, ann!.peer, LATE),
    )
    doc.change((d) => {
      const ann1 = d.messages[meeting.id]!
      // Unsigned, and signed by Mel's key, under Ann's name.
      d.messages[posted] = { a: s(ann!.peer), t: s(t), x: s('I quit.'), re: {} }
      d.messages[signedByMel] = { a: s(ann!.peer), t: s(t), x: s('Fire Bob.'), s: melPost, re: {} }
      // Ann's genuine proof, copied onto other words.
      d.messages[replayed] = { a: s(ann!.peer), t: ann1.t, x: s('Pay Mel.'), s: ann1.s!, re: {} }
      ann1.ed ??= {}
      ann1.ed[ann!.peer] = { x: s('The meeting is cancelled.'), t: s(LATE), s: editProof }
      ann1.del ??= {}
      ann1.del[ann!.peer] = { t: s(LATE), s: delProof }
      ann1.re[`${bob!.peer} 👎`] = reactProof
      ann1.re[`${bob!.peer} 💩`] = true
      d.read[`${bob!.peer} ${ann!.peer}`] = s(`${LATE} ${readProof.val}`)
      d.delivered[`${bob!.peer} ${ann!.peer}`] = s(LATE)
    })

    for (const dev of [ann!, bob!]) {
      const handle = await shardHandle(dev, shard)
      await until(() => handle.doc().messages[replayed], `${dev.name} to get Mel’s writes`)
      await dev.chat.settled()
      await until(() => dev.chat.message(posted), `${dev.name} to read the unsigned post`)
      // The unsigned post shows only as unverified; the wrongly signed ones not at all.
      expect(dev.chat.message(posted)!.verified).toBe(false)
      expect(dev.chat.message(signedByMel)).toBeUndefined()
      expect(dev.chat.message(replayed)).toBeUndefined()
      const seen = dev.chat.message(meeting.id)!
      expect(seen).toMatchObject({
        text: 'The meeting is at 10.',
        edited: false,
        deleted: false,
        verified: true,
        reactions: [],
      })
    }
    const receipt = ann!.chat.receipt(meeting.id)!
    expect(receipt.read).not.toContain(bob!.peer)
    expect(
      mel!.chat
        .messages()
        .filter((m) => m.verified)
        .map((m) => m.id),
    ).toEqual([meeting.id])

    // The honest path still works: the author's own edit, reactions, receipts and deletion.
    await ann!.chat.edit(meeting.id, 'The meeting is at 11.')
    await bob!.chat.toggleReaction(meeting.id, '👍')
    bob!.chat.markRead()
    await until(
      () =>
        mel!.chat.message(meeting.id)?.text === 'The meeting is at 11.' &&
        mel!.chat.message(meeting.id)?.reactions.length === 1,
      'Mel to see Ann’s edit and Bob’s reaction',
    )
    expect(mel!.chat.message(meeting.id)!.reactions).toEqual([{ emoji: '👍', peers: [bob!.peer] }])
    await until(() => ann!.chat.receipt(meeting.id)!.read.includes(bob!.peer), 'Bob’s receipt')
    await ann!.chat.deleteMessage(meeting.id)
    await until(() => bob!.chat.message(meeting.id)?.deleted, 'Bob to see the deletion')
    expect(bob!.chat.message(meeting.id)!.verified).toBe(true)
  })

  it('ignores what a removed member signs after its removal, even relayed by a member', async () => {
    world = new ChatWorld()
    const [ann, bob, mel] = await world.devices(['Ann', 'Bob', 'Mel'])
    const before = await mel!.chat.send('signed while a member')
    await until(() => bob!.chat.message(before.id), 'Bob to get Mel’s message')

    await ann!.wp.remove(mel!.peer)
    // Links to a removed member close at once, so Mel's device may never hear of it through
    // sync; hand it Ann's root, as any copy of the log that reaches it would.
    mel!.wp.handle.merge(ann!.wp.handle)
    await until(() => !mel!.wp.isMember(mel!.peer), 'Mel’s device to see its removal')
    await until(() => !bob!.wp.isMember(mel!.peer), 'Bob’s device to see the removal')
    const id = 'mnopqrstuvwxyz23'
    const t = '2030000000000.0002'
    const claim = messageClaim(before.shard, id, mel!.peer, t, 'signed after removal', undefined)
    const { peer: _mel, ...unsigned } = claim
    const proof = await mel!.wp.authorship.sign(unsigned)
    // Bob's device carries it in, as a member that had not seen the removal yet would.
    const relay = await shardHandle(bob!, before.shard)
    relay.change((d) => {
      d.messages[id] = {
        a: s(mel!.peer),
        t: s(t),
        x: s('signed after removal'),
        s: s(proof),
        re: {},
      }
    })
    const handle = await shardHandle(ann!, before.shard)
    await until(() => handle.doc().messages[id], 'Ann’s device to get the late record')
    await ann!.chat.settled()
    await new Promise((resolve) => setTimeout(resolve, 50))
    for (const dev of [ann!, bob!]) {
      expect(dev.chat.message(id)).toBeUndefined()
      expect(dev.chat.message(before.id)?.verified).toBe(true)
    }
  })
})
