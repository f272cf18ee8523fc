import * as A from '@automerge/automerge'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { applyEdit, newStoredContact } from '../../src/crdt/contacts/contact-edit.ts'
import { contactIdSource } from '../../src/crdt/contacts/contact-id.ts'
import type { ContactInput } from '../../src/crdt/contacts/contact-model.ts'
import { readContact, stored, type ContactsDoc } from '../../src/crdt/contacts/contacts-doc.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/** A contact as phones export them (as the import benchmark's file has them). */
const phoneCard: ContactInput = {
  given: 'Ann',
  family: 'Lee',
  display: 'Ann Lee',
  org: 'Acme Corp',
  phones: [
    { label: 'mobile', value: '+1 555 0100' },
    { label: '', value: '+44 20 7946 0000' },
  ],
  emails: [{ label: 'work', value: 'ann@example.com' }],
  addresses: [
    {
      label: 'home',
      street: '1 Main Street',
      locality: 'London',
      region: '',
      postcode: 'SW1A 1AA',
      country: 'United Kingdom',
    },
  ],
  tags: ['Work'],
}

let next = 0
const ids = () => `id${next++}`

function written(input: ContactInput): { doc: A.Doc<ContactsDoc>; ops: number } {
  let doc = A.from({ contacts: {} }) as A.Doc<ContactsDoc>
  doc = A.change(doc, (d) => {
    d.contacts.c1 = newStoredContact(input, { at: 1000, by: 'peer-a' }, ids)
  })
  const change = A.decodeChange(A.getLastLocalChange(doc)!)
  return { doc, ops: change.ops.length }
}

describe('a contact as stored', () => {
  it('writes only keys that hold something, and reads back whole', () => {
    const { doc, ops } = written(phoneCard)
    const raw = doc.contacts.c1!
    // Each key is an operation every later change and reader pays for: not binned, empty
    // values and the first item's rank read as their defaults.
    expect('deletedAt' in raw).toBe(false)
    const phones = Object.values(raw.phones)
    expect(phones.map((p) => p.rank)).toEqual([undefined, 1])
    expect('label' in phones[1]!).toBe(false)
    expect('region' in Object.values(raw.addresses)[0]!).toBe(false)
    // The contact map, createdAt, createdBy, the tags map and its tag, the phones, emails and
    // addresses maps, four names; a phone of three keys (map, label, value) and one of three
    // (map, rank, value); an email of three; an address of six.
    expect(ops).toBe(1 + 2 + 2 + 3 + 4 + 3 + 3 + 3 + 6)

    const contact = readContact('c1', raw)!
    expect(contact).toMatchObject({
      given: 'Ann',
      family: 'Lee',
      display: 'Ann Lee',
      org: 'Acme Corp',
      tags: ['Work'],
      deletedAt: null,
      createdBy: 'peer-a',
      createdAt: 1000,
    })
    expect(contact.phones.map((p) => [p.label, p.value])).toEqual([
      ['mobile', '+1 555 0100'],
      ['', '+44 20 7946 0000'],
    ])
    expect(contact.emails.map((e) => [e.label, e.value])).toEqual([['work', 'ann@example.com']])
    expect(contact.addresses[0]).toMatchObject({
      label: 'home',
      region: '',
      country: 'United Kingdom',
    })
  })

  it('keeps the order of items added later, and bins and restores', () => {
    let { doc } = written(phoneCard)
    doc = A.change(doc, (d) => {
      applyEdit(d.contacts.c1!, [
        { kind: 'item-add', list: 'phones', item: 'p3', values: { label: 'home', value: '+3' } },
        {
          kind: 'item-set',
          list: 'phones',
          item: Object.keys(d.contacts.c1!.phones)[1]!,
          key: 'label',
          value: 'office',
        },
      ])
      d.contacts.c1!.deletedAt = 5
      d.contacts.c1!.deletedBy = stored('peer-a')
    })
    let contact = readContact('c1', doc.contacts.c1)!
    expect(contact.phones.map((p) => [p.label, p.value])).toEqual([
      ['mobile', '+1 555 0100'],
      ['office', '+44 20 7946 0000'],
      ['home', '+3'],
    ])
    expect(contact.deletedAt).toBe(5)
    doc = A.change(doc, (d) => {
      d.contacts.c1!.deletedAt = null
    })
    contact = readContact('c1', doc.contacts.c1)!
    expect(contact.deletedAt).toBeNull()
  })
})

describe('contact IDs for an import', () => {
  it('are random base32, each distinct, drawn from the generator once per 256', () => {
    const draw = vi.spyOn(globalThis.crypto, 'getRandomValues')
    const newId = contactIdSource()
    const made = Array.from({ length: 1000 }, () => newId())
    expect(new Set(made).size).toBe(1000)
    for (const id of made) expect(id).toMatch(/^[a-z2-7]{16}$/)
    expect(draw).toHaveBeenCalledTimes(4)
  })
})
