import { afterEach, describe, expect, it } from 'vitest'
import { getHeads } from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import {
  encodeNote,
  encodeProofNote,
  type ChangeNote,
} from '../../src/crdt/contacts/change-note.ts'
import { changeClaim } from '../../src/crdt/contacts/change-proof.ts'
import type { ContactBook } from '../../src/crdt/contacts/contact-book.ts'
import {
  CONTACTS_DOC_KIND,
  initialContactsDoc,
  readText,
  stored,
  type ContactsDoc,
} from '../../src/crdt/contacts/contacts-doc.ts'
import { openContactBook } from '../../src/crdt/contacts/open-contact-book.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'
import { proofBy } from '../support/forged-proof.ts'

interface Device extends TestDevice {
  peer: PeerId
  wp: Workplace
  book: ContactBook
  handle: DocHandle<ContactsDoc>
}

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** Devices of one workplace, each with its contact book; the first creates the workplace. */
async function devices(names: string[]): Promise<Device[]> {
  const hub = new MemoryMeshHub()
  const kinds = new Map([[CONTACTS_DOC_KIND, initialContactsDoc]])
  const bare = await Promise.all(names.map((name) => createTestDevice(hub, name, { kinds })))
  for (const dev of bare) cleanup.push(() => dev.stack.shutdown())
  const wp = await bare[0]!.stack.workplaces.create('Acme')
  const invite = await wp.createInvite({ expiresInMs: 60_000, maxUses: names.length })
  const wps = [wp]
  for (const dev of bare.slice(1)) {
    dev.stack.joins.start(linkTo(wp, invite))
    wps.push((await until(() => dev.stack.workplaces.get(wp.id), `${dev.name} to join`))!)
  }
  await until(
    () => wps.every((w) => w.membership.members.size === names.length),
    'everyone to see every member',
  )
  return Promise.all(
    bare.map(async (dev, i) => {
      const book = await openContactBook(wps[i]!, { defer: (step) => step() })
      cleanup.push(() => book.close())
      await book.ready
      const handle = await wps[i]!.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
      return { ...dev, peer: dev.identity.peerId, wp: wps[i]!, book, handle }
    }),
  )
}

const TIME = 1_900_000_000

/** Writes one change with `note` as its message, as a modified device would; its hash. */
function forge(handle: DocHandle<ContactsDoc>, note: ChangeNote, fn: (d: ContactsDoc) => void) {
  handle.change(fn, { message: encodeNote(note), time: TIME })
  return getHeads(handle.doc())[0]!
}

function attachProof(handle: DocHandle<ContactsDoc>, hash: string, proof: string): void {
  handle.change(
    (d) => {
      d.proofs ??= {}
      d.proofs[hash] = stored(proof)
    },
    { message: encodeProofNote({ of: hash, s: proof }), time: TIME },
  )
}

/** The contact's history entries of one kind, as [writer, verified]. */
function writers(dev: Device, id: string, op: string): [string | undefined, boolean][] {
  return dev.book
    .history(id)
    .filter((e) => e.op === op)
    .map((e) => [e.by, e.verified])
}

/** Reads the contacts' history and conflicts once (starting their checks), then waits for them. */
async function judged(dev: Device, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    dev.book.history(id)
    dev.book.conflicts(id)
  }
  await dev.wp.authorship.settled()
}

describe('a member who forges contact book writer notes', () => {
  it('cannot pass changes off as another member’s, and honest changes stay verified', async () => {
    const [ann, bob, mel] = await devices(['Ann', 'Bob', 'Mel'])
    const zoe = ann!.book.add({ given: 'Zoe', family: 'Doe' })
    await ann!.book.signed()
    for (const dev of [bob!, mel!]) {
      await until(() => writers(dev, zoe, 'add')[0]?.[1], `${dev.name} to verify Ann’s add`)
    }
    const annAdd = bob!.book.history(zoe).find((e) => e.op === 'add')!.hash
    const annProof = (await until(
      () => readText(mel!.handle.doc().proofs?.[annAdd]),
      'Mel to get Ann’s proof',
    ))!

    // Mel writes straight into the document, each change's note naming Ann as its writer.
    const note = (fields: string[]): ChangeNote => ({
      by: ann!.peer,
      op: 'edit',
      contacts: [zoe],
      fields,
    })
    const contact = (d: ContactsDoc) => d.contacts[zoe]!
    forge(mel!.handle, note(['organization']), (d) => {
      contact(d).org = stored('Unsigned Ltd')
    })
    const melSigned = note(['title'])
    const signedHash = forge(mel!.handle, melSigned, (d) => {
      contact(d).title = stored('Signed by Mel')
    })
    attachProof(
      mel!.handle,
      signedHash,
      await proofBy(mel!, changeClaim(signedHash, melSigned, TIME)!),
    )
    const replayedHash = forge(mel!.handle, note(['notes']), (d) => {
      contact(d).notes = stored('Ann’s proof copied')
    })
    // Ann's genuine proof, copied onto Mel's change; and a spoilt one added to Ann's own.
    attachProof(mel!.handle, replayedHash, annProof)
    const spoilt = annProof[40] === 'A' ? 'B' : 'A'
    attachProof(mel!.handle, annAdd, annProof.slice(0, 40) + spoilt + annProof.slice(41))

    // Mel's own view of a concurrent write, one forged as Ann's: a conflict in the name.
    const fork = mel!.stack.repo.clone(mel!.handle)
    forge(fork, { ...note(['given name']), op: 'edit' }, (d) => {
      contact(d).given = stored('Zed')
    })
    bob!.book.update(zoe, { given: 'Zoey', family: 'Doe' })
    await bob!.book.signed()
    await until(() => mel!.book.get(zoe)?.given === 'Zoey', 'Mel to get Bob’s edit')
    mel!.handle.merge(fork)

    for (const dev of [ann!, bob!]) {
      await until(
        () => dev.book.get(zoe)?.notes === 'Ann’s proof copied' && dev.book.conflicts(zoe)[0],
        `${dev.name} to get Mel’s writes`,
      )
      // Bob's proof travels as a change of its own, which may come after the rest.
      await until(
        () => writers(dev, zoe, 'edit').some(([by, ok]) => by === bob!.peer && ok),
        `${dev.name} to verify Bob’s edit`,
      )
      await judged(dev, zoe)
      // Kept in the history (nothing disappears), but none of it as Ann's genuine word.
      const edits = writers(dev, zoe, 'edit')
      expect(edits.filter(([by]) => by === ann!.peer)).toEqual([
        [ann!.peer, false],
        [ann!.peer, false],
        [ann!.peer, false],
        [ann!.peer, false],
      ])
      expect(edits.filter(([by]) => by === bob!.peer)).toEqual([[bob!.peer, true]])
      expect(writers(dev, zoe, 'add')).toEqual([[ann!.peer, true]])
      const values = dev.book.conflicts(zoe)[0]!.values
      expect(values.map((v) => [v.value, v.by, v.verified]).sort()).toEqual(
        [
          ['Zed', ann!.peer, false],
          ['Zoey', bob!.peer, true],
        ].sort(),
      )
    }
  })

  it('ignores changes a removed member signs after its removal, relayed by a member', async () => {
    const [ann, bob, mel] = await devices(['Ann', 'Bob', 'Mel'])
    const early = mel!.book.add({ given: 'Early' })
    await mel!.book.signed()
    await until(() => writers(bob!, early, 'add')[0]?.[1], 'Bob to verify Mel’s add')

    await ann!.wp.remove(mel!.peer)
    mel!.wp.handle.merge(ann!.wp.handle)
    await until(() => !mel!.wp.isMember(mel!.peer), 'Mel’s device to see its removal')
    await until(() => !bob!.wp.isMember(mel!.peer), 'Bob’s device to see the removal')
    // Mel's device signs as it always does, now with the membership it has seen since.
    const late = mel!.book.add({ given: 'Late' })
    await mel!.book.signed()
    // Bob's device carries it in, as a member that had not seen the removal yet would.
    bob!.handle.merge(mel!.handle)
    await until(() => ann!.book.get(late), 'Ann’s device to get the late change')
    for (const dev of [ann!, bob!]) {
      await judged(dev, early, late)
      expect(writers(dev, late, 'add')).toEqual([[mel!.peer, false]])
      expect(writers(dev, early, 'add')).toEqual([[mel!.peer, true]])
    }
  })
})
