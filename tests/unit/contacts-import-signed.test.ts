import { getChangesMetaSince } from '@automerge/automerge'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeNote } from '../../src/crdt/contacts/change-note.ts'
import type { ContactInput } from '../../src/crdt/contacts/contact-model.ts'
import {
  CONTACTS_DOC_KIND,
  initialContactsDoc,
  type ContactsDoc,
} from '../../src/crdt/contacts/contacts-doc.ts'
import { openContactBook } from '../../src/crdt/contacts/open-contact-book.ts'
import { importInBatches } from '../../src/crdt/contacts/import-batches.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice } from '../support/test-device.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const COUNT = 5000
/** Import changes allowed for 5,000 contacts: batches, never a change per contact. */
const MAX_CHANGES = 40

const people = (n: number): ContactInput[] =>
  Array.from({ length: n }, (_, i) => ({
    given: `Person${i}`,
    family: 'Tester',
    phones: [{ label: 'mobile', value: `+1 555 ${String(i).padStart(5, '0')}` }],
    emails: [{ label: 'work', value: `p${i}@example.com` }],
  }))

describe('a big import into a workplace contact book', () => {
  it('writes 5,000 contacts in a few signed changes, every one listed', async () => {
    const dev = await createTestDevice(new MemoryMeshHub(), 'Ann', {
      kinds: new Map([[CONTACTS_DOC_KIND, initialContactsDoc]]),
    })
    cleanup.push(() => dev.stack.shutdown())
    const wp = await dev.stack.workplaces.create('Acme')
    const book = await openContactBook(wp, { defer: (step) => step() })
    cleanup.push(() => book.close())
    await book.ready

    // A clock on which each stored contact costs 0.1 ms: batches grow towards the 40 ms budget.
    let clock = 0
    let stored = 0
    book.on('change', () => {
      const count = book.count()
      clock += (count - stored) * 0.1
      stored = count
    })
    const result = await importInBatches(book, people(COUNT), {
      budgetMs: 40,
      now: () => clock,
      pause: async () => {},
    })
    expect(result).toMatchObject({ cancelled: false, skipped: 0 })
    expect(result.added).toHaveLength(COUNT)
    expect(book.count()).toBe(COUNT)
    expect(new Set(book.search().map((c) => c.id))).toEqual(new Set(result.added))

    const handle = await wp.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
    const imports = getChangesMetaSince(handle.doc(), [])
      .map((meta) => decodeNote(meta.message))
      .filter((note) => note?.op === 'import')
    expect(imports.length).toBeGreaterThan(1)
    expect(imports.length).toBeLessThanOrEqual(MAX_CHANGES)
    expect(new Set(imports.flatMap((note) => note!.contacts))).toEqual(new Set(result.added))

    // Each batch's note is signed over its change: the first, a middle and the last contact's
    // import read as written by Ann's device.
    await book.signed()
    const sample = [0, COUNT / 2, COUNT - 1].map((i) => result.added[i]!)
    for (const id of sample) book.history(id)
    await wp.authorship.settled()
    for (const id of sample)
      expect(book.history(id).map((e) => [e.op, e.by, e.verified])).toEqual([
        ['import', dev.identity.peerId, true],
      ])
  }, 180_000)
})
