import { afterEach, describe, expect, it } from 'vitest'
import { ContactBook } from '../../src/crdt/contacts/contact-book.ts'
import {
  CONTACTS_DOC_KIND,
  initialContactsDoc,
  type ContactsDoc,
} from '../../src/crdt/contacts/contacts-doc.ts'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { decodeWorkplaceLink, encodeWorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function device(hub: MemoryMeshHub, name: string) {
  const identity = await createTestIdentity()
  const port = hub.add(identity.peerId)
  const stack: WorkplaceStack = createWorkplaceStack({
    identity,
    mesh: port,
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
    kinds: new Map([[CONTACTS_DOC_KIND, initialContactsDoc]]),
  })
  const allow = (peer: PeerId) => stack.workplaces.authorizeLink(peer)
  port.authorize = allow
  cleanup.push(() => stack.shutdown())
  return {
    peer: identity.peerId,
    identity,
    port,
    stack,
    offline() {
      port.authorize = () => false
      for (const other of hub.neighbours(identity.peerId)) hub.unlink(identity.peerId, other)
    },
    online(...others: PeerId[]) {
      port.authorize = allow
      for (const other of others) hub.link(identity.peerId, other)
    },
  }
}

/** Waits for a value that is there (until's result without the falsy cases). */
async function present<T>(check: () => T | undefined | false | 0, what: string): Promise<T> {
  return (await until(check, what)) as T
}

async function bookOf(wp: Workplace): Promise<ContactBook> {
  const handle = await wp.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
  const book = new ContactBook({ handle, self: wp.self })
  cleanup.push(() => book.close())
  await book.ready
  return book
}

describe('the shared contact book', () => {
  it('replicates adds, merges offline edits per field, shows and resolves conflicts', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, c] = await Promise.all(['Ann', 'Bob', 'Cy'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const invite = await acme.createInvite({ expiresInMs: 60_000, maxUses: 5 })
    const link = decodeWorkplaceLink(
      encodeWorkplaceLink('https://x.test/', {
        workplace: acme.id,
        name: 'Acme',
        peers: [a!.peer],
        endpoints: [],
        invite,
      }),
    )
    const bookA = await bookOf(acme)
    b!.stack.joins.start(link)
    c!.stack.joins.start(link)
    const bAcme = await present(() => b!.stack.workplaces.get(acme.id), 'B to join')
    const cAcme = await present(() => c!.stack.workplaces.get(acme.id), 'C to join')
    await until(() => bAcme.doc?.docs?.[CONTACTS_DOC_KIND], 'B to learn of the contact book')
    const bookB = await bookOf(bAcme)

    // A adds a contact; B sees it.
    const id = bookA.add({
      given: 'Dana',
      family: 'Okafor',
      phones: [{ label: 'mobile', value: '+44 7700 900001' }],
      emails: [{ label: 'work', value: 'dana@old.example' }],
    })
    await until(() => bookB.get(id)?.given === 'Dana', 'B to see the contact')

    // C goes away for everything that follows.
    c!.offline()

    // Both offline: A edits the phone, B edits the email.
    a!.offline()
    b!.offline()
    const phone = bookA.get(id)!.phones[0]!
    const email = bookB.get(id)!.emails[0]!
    bookA.update(id, { phones: [{ ...phone, value: '+44 7700 900002' }] })
    bookB.update(id, { emails: [{ ...email, value: 'dana@new.example' }] })
    expect(bookA.get(id)!.emails[0]!.value).toBe('dana@old.example')
    a!.online()
    b!.online(a!.peer)
    for (const book of [bookA, bookB]) {
      await until(
        () =>
          book.get(id)?.phones[0]?.value === '+44 7700 900002' &&
          book.get(id)?.emails[0]?.value === 'dana@new.example',
        'both edits on both devices',
      )
      expect(book.conflicts(id)).toEqual([])
    }

    // Both offline again: the same field, two values.
    a!.offline()
    b!.offline()
    bookA.update(id, { org: 'Acme Ltd' })
    bookB.update(id, { org: 'Acme Holdings' })
    a!.online()
    b!.online(a!.peer)
    for (const book of [bookA, bookB]) {
      const [conflict] = await present(
        () => book.conflicts(id).length > 0 && book.conflicts(id),
        'the conflict to show',
      )
      expect(conflict).toMatchObject({ path: 'org', field: 'organisation' })
      expect(conflict!.values.map((v) => [v.value, v.by]).sort()).toEqual(
        [
          ['Acme Holdings', b!.peer],
          ['Acme Ltd', a!.peer],
        ].sort(),
      )
      expect(conflict!.values.filter((v) => v.current)).toHaveLength(1)
    }
    expect(bookA.get(id)!.org).toBe(bookB.get(id)!.org)
    expect(bookA.conflicted()).toEqual([id])

    // A keeps B's value; B sees the resolution.
    bookA.resolve(id, 'org', 'Acme Holdings')
    expect(bookA.conflicts(id)).toEqual([])
    await until(() => bookB.conflicts(id).length === 0, 'B to see the resolution')
    expect(bookB.get(id)!.org).toBe('Acme Holdings')

    // History names who changed what.
    const history = bookB.history(id)
    expect(history.map((h) => [h.op, h.by, h.fields])).toEqual(
      expect.arrayContaining([
        ['add', a!.peer, []],
        ['edit', a!.peer, ['phone (mobile)']],
        ['edit', b!.peer, ['email (work)']],
        ['edit', a!.peer, ['organisation']],
        ['edit', b!.peer, ['organisation']],
        ['resolve', a!.peer, ['organisation']],
      ]),
    )

    // C, down all along, catches up on everything since.
    c!.online(a!.peer, b!.peer)
    const bookC = await bookOf(cAcme)
    await until(() => bookC.get(id)?.org === 'Acme Holdings', 'C to catch up')
    expect(bookC.get(id)).toMatchObject({
      phones: [{ value: '+44 7700 900002' }],
      emails: [{ value: 'dana@new.example' }],
    })
    expect(bookC.conflicts(id)).toEqual([])
  })

  it('keeps both of two phones added concurrently, and a delete undone elsewhere', async () => {
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const invite = await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })
    const bookA = await bookOf(acme)
    b!.stack.joins.start(
      decodeWorkplaceLink(
        encodeWorkplaceLink('https://x.test/', {
          workplace: acme.id,
          name: 'Acme',
          peers: [a!.peer],
          endpoints: [],
          invite,
        }),
      ),
    )
    const bAcme = await present(() => b!.stack.workplaces.get(acme.id), 'B to join')
    await until(() => bAcme.doc?.docs?.[CONTACTS_DOC_KIND], 'B to learn of the contact book')
    const bookB = await bookOf(bAcme)
    const id = bookA.add({ given: 'Eve', tags: ['Client'] })
    await until(() => bookB.get(id), 'B to see the contact')

    a!.offline()
    b!.offline()
    bookA.update(id, { phones: [{ label: 'home', value: '111' }], tags: ['Client', 'VIP'] })
    bookB.update(id, { phones: [{ label: 'work', value: '222' }], tags: ['Client', 'Football'] })
    a!.online()
    b!.online(a!.peer)
    for (const book of [bookA, bookB]) {
      await until(() => book.get(id)?.phones.length === 2, 'both phones on both devices')
      expect(
        book
          .get(id)!
          .phones.map((p) => p.value)
          .sort(),
      ).toEqual(['111', '222'])
      expect(book.get(id)!.tags).toEqual(['Client', 'Football', 'VIP'])
    }

    bookB.delete(id)
    await until(() => bookA.get(id)?.deletedAt !== null, 'A to see the delete')
    expect(bookA.search({ text: 'eve' })).toEqual([])
    bookA.restore(id)
    await until(() => bookB.get(id)?.deletedAt === null, 'B to see the undo')
    expect(bookB.search({ text: 'eve' }).map((x) => x.id)).toEqual([id])
  })
})
