import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import vCard from 'vcf'
import { describe, expect, it } from 'vitest'
import type { ContactInput } from '../../src/crdt/contacts/contact-model.ts'
import { exportVCardFile, formatProblems, importVCardFile } from '../../src/vcard/contacts-vcard.ts'
import { readVCards } from '../../src/vcard/vcard-read.ts'
import { SAMPLES } from './vcard-samples.ts'
import { emptyContactBooks } from '../support/empty-contact-book.ts'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'vcard')
const sample = (file: string) => readFileSync(join(fixtures, file), 'utf8')

const emptyBook = emptyContactBooks()

/** A contact without empty fields and with sorted tags, so absent and '' compare equal. */
function tidy(c: ContactInput): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(c)) {
    if (value === '' || value === undefined || (Array.isArray(value) && value.length === 0))
      continue
    out[key] = key === 'tags' ? [...(value as string[])].sort() : value
  }
  return out
}

type JProp = [string, Record<string, unknown>, string, unknown]

/** Property and parameter names as the vcf package gives them (camelCase) or as written. */
const key = (name: string) => name.toLowerCase().replace(/-/g, '')
const unescape = (s: string) =>
  s.replace(/\\([\\;,:nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
function splitRaw(value: string, separator: string): string[] {
  return value.split(new RegExp(`(?<!\\\\)${separator === ';' ? ';' : ','}`))
}
const parts = (value: unknown) =>
  (Array.isArray(value) ? value.map(String) : splitRaw(String(value), ';')).map(unescape)
const param = (p: JProp, name: string) => {
  const found = Object.entries(p[1]).find(([k]) => key(k) === key(name))?.[1]
  return found === undefined ? [] : [found].flat().map(String)
}

/** A date as a model date, from the forms vCard 3.0 and 4.0 write. */
function date(p: JProp | undefined): string {
  if (!p) return ''
  const v = String(p[3])
  const omit = param(p, 'x-apple-omit-year')[0]
  const basic = /^(\d{4})(\d{2})(\d{2})$/.exec(v)
  if (basic) return `${basic[1]}-${basic[2]}-${basic[3]}`
  const noYear = /^--(\d{2})-?(\d{2})$/.exec(v)
  if (noYear) return `--${noYear[1]}-${noYear[2]}`
  if (omit && v.startsWith(omit)) return `-${v.slice(4)}`
  return v
}

/** What a card parsed by the vcf package says, in the model's terms (labels, dates, photo). */
function independentView(card: vCard) {
  const props = card.toJCard()[1] as unknown as JProp[]
  const all = (name: string) => props.filter((p) => key(p[0]) === key(name))
  const one = (name: string) => all(name)[0]
  const text = (name: string) => unescape(String(one(name)?.[3] ?? ''))
  const groupLabels = new Map(
    all('x-ablabel').map((p) => [String(p[1].group).toLowerCase(), unescape(String(p[3]))]),
  )
  const label = (p: JProp) => {
    const group = p[1].group ? groupLabels.get(String(p[1].group).toLowerCase()) : undefined
    if (group !== undefined) return group
    return param(p, 'type')
      .map((t) => t.toLowerCase())
      .filter((t) => !['voice', 'internet', 'pref'].includes(t))
      .map((t) => (t === 'cell' ? 'mobile' : t))
      .join(' ')
  }
  const items = (name: string, strip = /^$/) =>
    all(name).map((p) => ({ label: label(p), value: unescape(String(p[3])).replace(strip, '') }))
  const photo = one('photo')
  const photoValue = !photo
    ? ''
    : String(photo[3]).startsWith('data:')
      ? String(photo[3])
      : param(photo, 'encoding')[0]?.toLowerCase() === 'b'
        ? `data:image/${param(photo, 'type')[0]!.toLowerCase()};base64,${String(photo[3])}`
        : ''
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = parts(one('n')?.[3])
  const [org = '', department = ''] = one('org') ? parts(one('org')![3]) : []
  const uid = text('uid')
  const ims = ['impp', 'x-aim', 'x-jabber', 'x-socialprofile'].flatMap((name) =>
    all(name).map((p) => ({
      label: param(p, 'x-service-type')[0] ?? label(p),
      value: String(p[3]),
      kind: key(name),
    })),
  )
  return {
    fn: text('fn'),
    name: [prefix, given, middle, family, suffix],
    nickname: splitRaw(String(one('nickname')?.[3] ?? ''), ',')
      .map(unescape)
      .join(', '),
    org,
    department,
    title: text('title'),
    birthday: date(one('bday')),
    anniversary: date(one('anniversary') ?? one('x-anniversary')),
    photo: photoValue,
    uid: uid.startsWith('urn:peerplace:contact:') ? '(written for the contact)' : uid,
    phones: items('tel', /^tel:/),
    emails: items('email', /^mailto:/),
    urls: items('url'),
    ims,
    addresses: all('adr').map((p) => {
      const [pobox, extended, street, locality, region, postcode, country] = parts(p[3])
      return { label: label(p), pobox, extended, street, locality, region, postcode, country }
    }),
    notes: text('note'),
    tags: one('categories')
      ? splitRaw(String(one('categories')![3]), ',')
          .map(unescape)
          .sort()
      : [],
  }
}

/** The same view of what a sample should import as. */
function expectedView(c: ContactInput) {
  const name = [c.given, c.family].filter(Boolean).join(' ')
  return {
    fn: c.display || name || c.org || '',
    name: [c.prefix ?? '', c.given ?? '', c.middle ?? '', c.family ?? '', c.suffix ?? ''],
    nickname: c.nickname ?? '',
    org: c.org ?? '',
    department: c.department ?? '',
    title: c.title ?? '',
    birthday: c.birthday ?? '',
    anniversary: c.anniversary ?? '',
    photo: c.photo ?? '',
    uid: c.uid ?? '(written for the contact)',
    phones: c.phones ?? [],
    emails: c.emails ?? [],
    urls: c.urls ?? [],
    ims: (c.ims ?? []).map((i) => ({ label: i.label, value: i.value, kind: key(i.kind!) })),
    addresses: (c.addresses ?? []).map((a) => ({
      label: a.label,
      pobox: a.pobox ?? '',
      extended: a.extended ?? '',
      street: a.street,
      locality: a.locality,
      region: a.region,
      postcode: a.postcode,
      country: a.country,
    })),
    notes: c.notes ?? '',
    tags: [...(c.tags ?? [])].sort(),
  }
}

/** Each line the model keeps as written is in the card again: same group, name and value. */
function expectExtraLines(card: vCard, extra: string) {
  const props = card.toJCard()[1] as unknown as JProp[]
  for (const line of extra.split('\n')) {
    const m = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)[^:]*:(.*)$/.exec(line)!
    const [, group, name, value] = m
    const found = props.filter(
      (p) =>
        key(p[0]) === key(name!) &&
        String(p[1].group ?? '').toLowerCase() === (group ?? '').toLowerCase(),
    )
    expect(
      found.map((p) => String(p[3])),
      line,
    ).toContain(line.includes('QUOTED-PRINTABLE') ? String(found[0]?.[3]) : value)
  }
}

const byName = (a: { fn: string }, b: { fn: string }) => a.fn.localeCompare(b.fn)

describe('vCard samples in the style of five address-book programs', () => {
  it.each(SAMPLES)('reads every field of $file', ({ file, contacts, unmapped }) => {
    const read = readVCards(sample(file))
    if (!read.ok) throw new Error(formatProblems(read.errors).join('\n'))
    expect(read.contacts.map(tidy)).toEqual(contacts.map(tidy))
    expect([...new Set(read.unmapped.flat())].sort()).toEqual(unmapped)
  })

  it.each(SAMPLES)(
    '$file: exported as 3.0 and 4.0, the vcf package reads back every field; re-import adds nothing',
    async ({ file, contacts }) => {
      const book = await emptyBook()
      const first = importVCardFile(book, sample(file))
      expect(first).toMatchObject({ ok: true, updated: [], skipped: 0 })
      expect(first.ok && first.added).toHaveLength(contacts.length)
      for (const version of ['3.0', '4.0'] as const) {
        const exported = exportVCardFile(book, undefined, version).text
        const cards = vCard.parse(exported)
        expect(cards.map(independentView).sort(byName), version).toEqual(
          contacts.map(expectedView).sort(byName),
        )
        for (const c of contacts) {
          if (!c.extra) continue
          const card = cards.find((k) => independentView(k).fn === expectedView(c).fn)!
          expectExtraLines(card, c.extra)
        }
        const again = importVCardFile(book, exported)
        expect(again, `re-import of the ${version} export`).toMatchObject({
          ok: true,
          added: [],
          updated: [],
          skipped: contacts.length,
        })
      }
      const original = importVCardFile(book, sample(file))
      expect(original).toMatchObject({ ok: true, added: [], updated: [] })
      expect(book.search()).toHaveLength(contacts.length)
    },
  )
})
