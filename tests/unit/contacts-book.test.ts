import { afterEach, describe, expect, it } from 'vitest'
import { Repo } from '@automerge/automerge-repo'
import { ContactBook } from '../../src/crdt/contacts/contact-book.ts'
import { ChangeLog } from '../../src/crdt/contacts/change-log.ts'
import { conflictsOf } from '../../src/crdt/contacts/contact-conflicts.ts'
import {
  CONTACTS_DOC_KIND,
  initialContactsDoc,
  type ContactsDoc,
} from '../../src/crdt/contacts/contacts-doc.ts'
import { describeEntry, formatAgo } from '../../src/crdt/contacts/history-text.ts'

const repos: Repo[] = []
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.shutdown()))
})

async function book(self = 'peer-a', clock = () => 1_700_000_000_000) {
  const repo = new Repo({ network: [] })
  repos.push(repo)
  const handle = repo.create<ContactsDoc>(initialContactsDoc())
  const b = new ContactBook({ handle, self, clock, defer: (step) => step() })
  await b.ready
  return { book: b, handle, repo }
}

describe('the contact book', () => {
  it('is a workplace document kind with an empty initial value', () => {
    expect(CONTACTS_DOC_KIND).toBe('contacts')
    expect(initialContactsDoc()).toEqual({ contacts: {} })
  })

  it('adds, edits field by field, deletes to the bin and undoes the delete', async () => {
    let now = 1_700_000_000_000
    const { book: b, handle } = await book('peer-a', () => now)
    const id = b.add({
      given: 'Ann',
      family: 'Lee',
      phones: [{ label: 'mobile', value: '+44 7700 900123' }],
      emails: [{ label: 'work', value: 'ann@acme.test' }],
      tags: ['Client'],
    })
    const added = b.get(id)!
    expect(added).toMatchObject({ given: 'Ann', family: 'Lee', tags: ['Client'], deletedAt: null })
    expect(added.phones).toEqual([
      { id: expect.any(String), label: 'mobile', value: '+44 7700 900123' },
    ])

    now += 120_000
    const phone = added.phones[0]!
    expect(
      b.update(id, {
        phones: [
          { ...phone, value: '+44 7700 900999' },
          { label: 'home', value: '020 7946 0000' },
        ],
        org: 'Acme',
      }),
    ).toBe(true)
    const edited = b.get(id)!
    expect(edited.org).toBe('Acme')
    expect(edited.phones.map((p) => [p.label, p.value])).toEqual([
      ['mobile', '+44 7700 900999'],
      ['home', '020 7946 0000'],
    ])
    expect(edited.phones[0]!.id).toBe(phone.id)
    expect(b.update(id, { org: 'Acme' })).toBe(false)
    // Each field is its own key; the stored value is a scalar string.
    expect(Object.keys(handle.doc().contacts[id]!)).toEqual(
      expect.arrayContaining(['given', 'family', 'org', 'phones', 'emails', 'tags']),
    )

    b.delete(id)
    expect(b.get(id)!.deletedAt).toBe(now)
    expect(b.search().map((c) => c.id)).toEqual([])
    expect(b.search({ deleted: true }).map((c) => c.id)).toEqual([id])
    b.restore(id)
    expect(b.get(id)!.deletedAt).toBeNull()
    expect(b.search().map((c) => c.id)).toEqual([id])

    const history = b.history(id)
    expect(history.map((h) => h.op)).toEqual(['restore', 'delete', 'edit', 'add'])
    expect(history[2]!.fields).toEqual(['organisation', 'phone (mobile)', 'new phone (home)'])
    expect(history.every((h) => h.by === 'peer-a')).toBe(true)
    expect(`${describeEntry(history[2]!, 'Ann')} ${formatAgo(history[2]!.at, now + 120_000)}`).toBe(
      'Ann changed organisation, phone (mobile), new phone (home) 2 min ago',
    )
  })

  it('saves only what a form changed, keeping edits that arrived while it was open', async () => {
    const { book: b } = await book()
    const id = b.add({ given: 'Ann', org: 'Old', phones: [{ label: 'home', value: '1' }] })
    const formBase = b.get(id)!
    b.update(id, { org: 'New', phones: [{ ...formBase.phones[0]!, label: 'work' }] })
    expect(
      b.update(id, { ...formBase, given: 'Anne', tags: ['__proto__', ' a  b '] }, formBase),
    ).toBe(true)
    expect(b.get(id)).toMatchObject({
      given: 'Anne',
      org: 'New',
      phones: [{ label: 'work', value: '1' }],
      tags: ['a b'],
    })
  })

  it('rejects edits of unknown contacts and unknown fields', async () => {
    const { book: b } = await book()
    expect(() => b.update('nope', { given: 'x' })).toThrow(/No such contact/)
    const id = b.add({ given: 'x' })
    expect(() => b.resolve(id, 'phones.x', 'y')).toThrow(/Not a contact field/)
    expect(() => b.resolve(id, '__proto__', 'y')).toThrow(/Not a contact field/)
  })

  it('reads malformed data from peers without crashing', async () => {
    const { book: b, handle } = await book()
    handle.change((d) => {
      const raw = d.contacts as unknown as Record<string, unknown>
      raw.good = { given: 'Kept', phones: { p1: { label: 5, value: 'x', rank: 'a' } }, tags: [] }
      raw['bad id!'] = { given: 'dropped' }
      raw.weird = 42
    })
    expect(b.get('good')).toMatchObject({
      given: 'Kept',
      phones: [{ id: 'p1', label: '', value: 'x' }],
    })
    expect(b.get('bad id!')).toBeUndefined()
    expect(b.get('weird')).toBeUndefined()
  })

  it("reads no patches of its own changes, and reads a peer's from its patches", async () => {
    const { book: b, handle } = await book()
    // The app builds a change's patches only when its event's `patches` is read (see
    // scripts/automerge-unread-patches.ts): on a big import they cost more than the change.
    let reads = 0
    const emit = handle.emit.bind(handle)
    handle.emit = ((event: string, payload: { patches: unknown }) => {
      if (event !== 'change') return emit(event as 'change', payload as never)
      const { patches, ...rest } = payload
      return emit('change', {
        ...rest,
        get patches() {
          reads++
          return patches
        },
      } as never)
    }) as typeof handle.emit
    const id = b.add({ given: 'Ann', phones: [{ label: 'mobile', value: '+1 555' }] })
    b.update(id, { given: 'Anna' })
    const imported = b.importContacts([
      { given: 'Bob' },
      { given: 'Anna', phones: [{ label: 'home', value: '+1 555' }] },
    ])
    b.delete(imported.added[0]!)
    expect(reads).toBe(0)
    expect(b.get(id)).toMatchObject({ given: 'Anna', phones: [{ value: '+1 555' }] })
    expect(b.get(imported.added[0]!)).toMatchObject({ given: 'Bob', deletedAt: expect.any(Number) })

    // A peer's change (merged in): only its patches say which contacts it touched.
    const A = await import('@automerge/automerge')
    const theirs = A.change(A.clone(handle.doc()), (d) => {
      d.contacts[id]!.given = new A.ImmutableString('Annie')
    })
    handle.update((doc) => A.merge(doc, theirs))
    expect(reads).toBeGreaterThan(0)
    expect(b.get(id)!.given).toBe('Annie')
  })

  it('makes a contact of a workplace member once', async () => {
    const { book: b } = await book()
    const peer = 'abcdefghijklmnopqrstuvwxyz234567'
    const first = b.saveAsContact({
      peer,
      name: 'Mary Ann Cole',
      source: 'member',
      workplace: 'Acme',
    })
    expect(first.created).toBe(true)
    expect(b.get(first.id)).toMatchObject({
      display: 'Mary Ann Cole',
      given: 'Mary Ann',
      family: 'Cole',
      peer,
      tags: ['Peerplace'],
    })
    expect(b.get(first.id)!.notes).toContain('Acme')
    expect(b.saveAsContact({ peer, source: 'nearby' })).toEqual({ id: first.id, created: false })
    const nearby = b.saveAsContact({ peer: 'b'.repeat(32), source: 'nearby' })
    expect(b.get(nearby.id)!.display).toBe('Peer bbbbbbbb')
  })

  it('maps each concurrent value of a field to its writer', async () => {
    const { handle } = await book()
    const repo2 = new Repo({ network: [] })
    repos.push(repo2)
    const a = new ContactBook({ handle, self: 'peer-a', defer: (s) => s() })
    const id = a.add({ given: 'Zed' })
    const other = repo2.import<ContactsDoc>(
      (await import('@automerge/automerge')).save(handle.doc()),
    )
    const b = new ContactBook({ handle: other, self: 'peer-b', defer: (s) => s() })
    await b.ready
    a.update(id, { given: 'Zedd' })
    b.update(id, { given: 'Zeb' })
    handle.merge(other)
    const log = new ChangeLog()
    log.update(handle.doc())
    const [conflict] = conflictsOf(id, handle.doc().contacts[id], log)
    expect(conflict!.path).toBe('given')
    expect(conflict!.values.map((v) => [v.value, v.by]).sort()).toEqual([
      ['Zeb', 'peer-b'],
      ['Zedd', 'peer-a'],
    ])
    expect(a.conflicts(id)).toHaveLength(1)
    a.resolve(id, 'given', conflict!.values.find((v) => v.current)!.value)
    expect(a.conflicts(id)).toEqual([])
  })
})

describe('change notes and history text', () => {
  it('ignores malformed notes from peers', async () => {
    const { decodeNote, encodeNote } = await import('../../src/crdt/contacts/change-note.ts')
    const note = { by: 'p', op: 'edit' as const, contacts: ['c1'], fields: ['phone (mobile)'] }
    expect(decodeNote(encodeNote(note))).toEqual(note)
    for (const bad of [
      null,
      '',
      'plain text',
      '{"app":"pp-contacts"',
      '{"app":"pp-contacts","by":5,"op":"edit"}',
      '{"app":"pp-contacts","by":"p","op":"explode","c":[]}',
      '{"app":"other","by":"p","op":"edit","c":[]}',
    ])
      expect(decodeNote(bad)).toBeUndefined()
    expect(decodeNote('{"app":"pp-contacts","by":"p","op":"add","c":[1,"x"],"f":"no"}')).toEqual({
      by: 'p',
      op: 'add',
      contacts: ['x'],
      fields: [],
    })
  })

  it('keeps a bounded history per contact, newest first', async () => {
    const { book: b } = await book()
    const id = b.add({ given: 'A' })
    for (let i = 0; i < 120; i++) b.update(id, { notes: `n${i}` })
    const all = b.history(id, 1000)
    // The newest 100 changes, and the creation, which is always shown.
    expect(all).toHaveLength(101)
    expect(all[0]!.fields).toEqual(['notes'])
    expect(all.at(-1)).toMatchObject({ op: 'add', by: 'peer-a' })
    expect(b.history(id, 5)).toHaveLength(5)
    expect(b.history(id, 5).at(-1)).toMatchObject({ op: 'add' })
  })

  it('says when, readably', () => {
    const t = 1_700_000_000_000
    expect(formatAgo(t, t + 10_000)).toBe('just now')
    expect(formatAgo(t, t + 5 * 60_000)).toBe('5 min ago')
    expect(formatAgo(t, t + 3 * 3_600_000)).toBe('3 h ago')
    expect(formatAgo(t, t + 26 * 3_600_000)).toBe('yesterday')
    expect(formatAgo(t, t + 4 * 86_400_000)).toBe('4 days ago')
    expect(formatAgo(t, t + 30 * 86_400_000)).toBe('2023-11-14')
    const entry = {
      hash: 'h',
      by: 'p',
      at: t,
      op: 'resolve' as const,
      fields: ['a', 'b', 'c', 'd', 'e'],
      verified: true,
    }
    expect(describeEntry(entry, 'Bob')).toBe('Bob resolved the conflict in a, b, c and 2 more')
  })
})
