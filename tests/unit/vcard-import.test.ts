import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { emptyContact, type Contact } from '../../src/crdt/contacts/contact-model.ts'
import { exportVCardFile, formatProblems, importVCardFile } from '../../src/vcard/contacts-vcard.ts'
import { readVCards } from '../../src/vcard/vcard-read.ts'
import { writeVCards } from '../../src/vcard/vcard-write.ts'
import { emptyContactBooks } from '../support/empty-contact-book.ts'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'vcard')
const phoneExport = readFileSync(join(fixtures, 'phone-export-200.vcf'), 'utf8')
const expected = JSON.parse(
  readFileSync(join(fixtures, 'phone-export-200.expected.json'), 'utf8'),
) as Record<string, unknown>[]

const emptyBook = emptyContactBooks()

/** A contact's data without IDs and bookkeeping, to compare across books. */
function data(c: Contact) {
  const strip = <T extends { id: string }>(items: T[]) => items.map(({ id: _id, ...rest }) => rest)
  return {
    given: c.given,
    family: c.family,
    display: c.display,
    org: c.org,
    title: c.title,
    notes: c.notes,
    peer: c.peer,
    phones: strip(c.phones),
    emails: strip(c.emails),
    addresses: strip(c.addresses),
    tags: c.tags,
  }
}

const byContent = (a: ReturnType<typeof data>, b: ReturnType<typeof data>) =>
  JSON.stringify(a) < JSON.stringify(b) ? -1 : 1

describe('vCard import', () => {
  it('reads a phone’s 200-contact export (3.0 and 4.0, folded, grouped, quoted-printable)', () => {
    const read = readVCards(phoneExport)
    if (!read.ok) throw new Error(formatProblems(read.errors).join('\n'))
    expect(read.contacts).toHaveLength(200)
    const got = read.contacts.map((c) => ({
      given: c.given ?? '',
      middle: c.middle ?? '',
      prefix: c.prefix ?? '',
      family: c.family ?? '',
      display: c.display ?? '',
      org: c.org ?? '',
      title: c.title ?? '',
      notes: c.notes ?? '',
      phones: c.phones,
      emails: c.emails,
      addresses: c.addresses?.map(({ group: _group, ...a }) => a),
      tags: [...(c.tags ?? [])].sort((a, b) => a.localeCompare(b)),
    }))
    expect(got).toEqual(expected)
    const unmapped = new Set(read.unmapped.flat())
    expect([...unmapped].sort()).toEqual(['REV', 'X-ABADR'])
    const photos = read.contacts.filter((c) => c.photo)
    expect(photos.length).toBeGreaterThan(0)
    for (const c of photos) expect(c.photo).toMatch(/^data:image\/jpeg;base64,cGhvdG8t/)
    expect(read.contacts.filter((c) => c.uid)).toHaveLength(
      read.contacts.filter((_, i) => i % 3 === 2).length,
    )
  })

  it('imports 200 contacts, and export then re-import round-trips every field', async () => {
    const book = await emptyBook()
    const outcome = importVCardFile(book, phoneExport)
    expect(outcome.ok).toBe(true)
    expect(book.search()).toHaveLength(200)
    const extra = book.add({
      display: 'Ünïcödé; “quoted”, with\nnewline',
      given: 'A;B',
      family: 'C,D',
      title: 'x\\y',
      peer: 'abcdefghijklmnopqrstuvwxyz234567',
      phones: [
        { label: 'Mobile', value: '+1' },
        { label: 'home mobile', value: '+2' },
        { label: 'a, b; c', value: '+3' },
        { label: '', value: '+4' },
      ],
      emails: [{ label: 'other', value: 'x@y.z' }],
      addresses: [
        {
          label: 'work',
          street: 'A\nB',
          locality: 'C;D',
          region: 'E,F',
          postcode: '',
          country: 'G',
        },
      ],
      notes: 'a'.repeat(300),
      tags: ['x,y', 'z;w'],
    })
    const originals = book.search().map(data).sort(byContent)
    for (const version of ['3.0', '4.0'] as const) {
      const file = exportVCardFile(book, undefined, version)
      expect(file.name).toBe('contacts-201.vcf')
      for (const line of file.text.split('\r\n'))
        expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(76)
      const again = await emptyBook()
      const re = importVCardFile(again, file.text)
      if (!re.ok) throw new Error(formatProblems(re.errors).join('\n'))
      expect(again.search().map(data).sort(byContent)).toEqual(originals)
    }
    const one = exportVCardFile(book, [extra], '4.0')
    expect(one.name).toBe('Ünïcödé quoted with newline.vcf')
    expect(one.text.match(/BEGIN:VCARD/g)).toHaveLength(1)
    const selection = book
      .search()
      .slice(0, 3)
      .map((c) => c.id)
    const some = readVCards(exportVCardFile(book, selection, '3.0').text)
    expect(some.ok && some.contacts.length).toBe(3)
  }, 90_000)

  it('imports nothing from a malformed file and names the line at fault', async () => {
    const book = await emptyBook()
    const lines = phoneExport.split('\r\n')
    const at = lines.findIndex((l, i) => i > 2000 && l.startsWith('TEL'))
    lines[at] = 'TEL this line lost its colon'
    const outcome = importVCardFile(book, lines.join('\r\n'))
    expect(outcome).toEqual({
      ok: false,
      errors: [{ line: at + 1, message: expect.stringContaining('no ":"') }],
    })
    expect(book.search()).toHaveLength(0)
    expect(formatProblems(outcome.ok ? [] : outcome.errors)[0]).toMatch(
      new RegExp(`^Line ${at + 1}: .*TEL this line lost its colon`),
    )
  })

  it.each([
    ['BEGIN:VCARD\nVERSION:3.0\nFN:A\n', 1, 'no END:VCARD'],
    ['BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\nFN:B\n', 5, 'outside'],
    ['BEGIN:VCARD\nFN:A\nEND:VCARD\n', 1, 'no VERSION'],
    ['BEGIN:VCARD\nVERSION:5.0\nFN:A\nEND:VCARD\n', 2, 'not supported'],
    ['BEGIN:VCARD\nVERSION:3.0\nEMAIL:a@b\nEND:VCARD\n', 1, 'no name'],
    ['BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL;=x:1\nEND:VCARD\n', 4, 'parameter with no name'],
    ['BEGIN:VCARD\nVERSION:3.0\nF N:A\nEND:VCARD\n', 3, 'name is not valid'],
    ['BEGIN:VCALENDAR\nEND:VCALENDAR\n', 1, 'not a vCard'],
    ['END:VCARD\n', 1, 'without a BEGIN'],
    ['just some text', 1, 'no ":"'],
    ['', 1, 'No vCard'],
    [
      'BEGIN:VCARD\nVERSION:3.0\nFN:A\nBEGIN:VCARD\nVERSION:3.0\nFN:B\nEND:VCARD\n',
      4,
      'before the one on line 1',
    ],
  ])('reports %j at line %i', (text, line, words) => {
    const read = readVCards(text)
    expect(read.ok).toBe(false)
    if (read.ok) return
    expect(read.errors[0]).toEqual({ line, message: expect.stringContaining(words) })
  })

  it('reads 2.1-style parameters, quoted-printable with soft breaks and LF line endings', () => {
    const read = readVCards(
      [
        'BEGIN:VCARD',
        'VERSION:2.1',
        'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;',
        'TEL;CELL;PREF:+49 1',
        'TEL;WORK;FAX:+49 2',
        'NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9 =',
        'tr=C3=A8s',
        'END:VCARD',
      ].join('\n'),
    )
    expect(read).toMatchObject({
      ok: true,
      contacts: [
        {
          family: 'Müller',
          given: 'Jürgen',
          display: '',
          notes: 'café très',
          phones: [
            { label: 'mobile', value: '+49 1' },
            { label: 'work fax', value: '+49 2' },
          ],
        },
      ],
    })
  })

  it('writes labels as TYPE parameters or X-ABLabel', () => {
    const contact = {
      ...emptyContact('c'),
      given: 'A',
      phones: [
        { id: 'p', label: 'work mobile', value: '1' },
        { id: 'q', label: 'Boat', value: '2' },
      ],
    } satisfies Contact
    expect(writeVCards([contact], '3.0')).toContain('TEL;TYPE=WORK,CELL:1\r\n')
    expect(writeVCards([contact], '4.0')).toContain('item1.TEL:2\r\nitem1.X-ABLabel:Boat\r\n')
  })
})

describe('vCard details', () => {
  it('escapes ; , \\ and newlines in 3.0 text, keeps group case and writes a UID', () => {
    const read = readVCards(
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'FN:A',
        'TITLE:CEO\\; founder',
        'NOTE:a\\,b\\\\c\\nd',
        'ITEM7.TEL:1',
        'ITEM7.X-ABLabel:Boat',
        'ITEM7.X-FOO:bar',
        'END:VCARD',
      ].join('\r\n'),
    )
    if (!read.ok) throw new Error(formatProblems(read.errors).join('\n'))
    const c = read.contacts[0]!
    expect(c).toMatchObject({ title: 'CEO; founder', notes: 'a,b\\c\nd' })
    expect(c.phones).toEqual([{ label: 'Boat', value: '1', group: 'ITEM7' }])
    const contact = {
      ...emptyContact('abc'),
      given: 'A',
      title: c.title!,
      notes: c.notes!,
      phones: [{ id: 'p', ...c.phones![0]! }],
      extra: c.extra!,
    } satisfies Contact
    const text = writeVCards([contact], '3.0')
    expect(text).toContain('\r\nTITLE:CEO\\; founder\r\n')
    expect(text).toContain('\r\nNOTE:a\\,b\\\\c\\nd\r\n')
    expect(text).toContain('\r\nITEM7.TEL:1\r\nITEM7.X-ABLabel:Boat\r\n')
    expect(text).toContain('\r\nITEM7.X-FOO:bar\r\n')
    expect(text).toContain('\r\nUID:urn:peerplace:contact:abc\r\n')
  })

  it.each([
    ['BDAY:1985-04-12', '1985-04-12'],
    ['BDAY:19720315', '1972-03-15'],
    ['BDAY:--0412', '--04-12'],
    ['BDAY:--04-12', '--04-12'],
    ['BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-06', '--05-06'],
    ['BDAY:1604-05-06', '--05-06'],
    ['BDAY:1990-01-02T00:00:00Z', '1990-01-02'],
  ])('reads %s as %s', (line, birthday) => {
    const read = readVCards(`BEGIN:VCARD\nVERSION:3.0\nFN:A\n${line}\nEND:VCARD\n`)
    expect(read.ok && read.contacts[0]!.birthday).toBe(birthday)
  })

  it('keeps a birthday it cannot read as a date, as written', () => {
    const read = readVCards(
      'BEGIN:VCARD\nVERSION:4.0\nFN:A\nBDAY;VALUE=text:circa 1800\nEND:VCARD\n',
    )
    expect(read.ok && read.contacts[0]).toMatchObject({ extra: 'BDAY;VALUE=text:circa 1800' })
    expect(read.ok && read.contacts[0]!.birthday).toBeUndefined()
  })

  it('merges a re-import by UID, then by exact name and a shared phone or email', async () => {
    const book = await emptyBook()
    const card = (lines: string[]) =>
      ['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD'].join('\r\n') + '\r\n'
    const first = importVCardFile(
      book,
      card(['UID:u-1', 'FN:Ann Lee', 'N:Lee;Ann;;;', 'TEL:+1 555 0100']) +
        card(['FN:Bob Okafor', 'N:Okafor;Bob;;;', 'EMAIL:bob@example.org']),
    )
    expect(first).toMatchObject({ ok: true, updated: [], skipped: 0 })
    const [ann, bob] = first.ok ? first.added : []
    const second = importVCardFile(
      book,
      // Same UID, new name and a new phone: updated, not added.
      card(['UID:u-1', 'FN:Ann Lee-Smith', 'N:Lee-Smith;Ann;;;', 'TEL:+1 555 0199']) +
        // Same name and email, nothing new: skipped.
        card(['FN:Bob Okafor', 'N:Okafor;Bob;;;', 'EMAIL:BOB@example.org']) +
        // Same name, no shared phone or email: a different person.
        card(['FN:Bob Okafor', 'N:Okafor;Bob;;;', 'EMAIL:other@example.org']) +
        // The same card twice in one file: added once.
        card(['FN:Cy', 'TEL:+1 555 0300']) +
        card(['FN:Cy', 'TEL:+1 555 0300', 'NOTE:hi']),
    )
    expect(second).toMatchObject({ ok: true, updated: [ann], skipped: 2 })
    expect(second.ok && second.added).toHaveLength(2)
    expect(book.get(ann!)).toMatchObject({ family: 'Lee-Smith', uid: 'u-1' })
    expect(book.get(ann!)!.phones.map((p) => p.value)).toEqual(['+1 555 0100', '+1 555 0199'])
    expect(book.get(bob!)!.emails.map((e) => e.value)).toEqual(['bob@example.org'])
    expect(book.search({ text: 'Cy' }).map((c) => c.notes)).toEqual(['hi'])
    expect(book.search()).toHaveLength(4)
  })
})

describe('search over the new fields', () => {
  it('finds a contact by nickname, middle name and department', async () => {
    const book = await emptyBook()
    book.add({
      given: 'Ann',
      middle: 'Marie',
      family: 'Lee',
      nickname: 'Annie',
      department: 'Research',
    })
    book.add({ given: 'Bob' })
    for (const text of ['annie', 'marie', 'org:research'])
      expect(book.search({ text }).map((c) => c.given)).toEqual(['Ann'])
  })
})
