import { describe, expect, it } from 'vitest'
import { emptyContact, type Contact } from '../../src/crdt/contacts/contact-model.ts'
import { ContactIndex, parseQuery } from '../../src/crdt/contacts/contact-search.ts'

function contact(id: string, fields: Partial<Contact>): Contact {
  return { ...emptyContact(id), ...fields }
}

const ann = contact('ann', {
  given: 'Ann',
  family: 'Lee',
  org: 'Globex',
  title: 'Head of Sales',
  notes: 'Met in Lisbon',
  phones: [{ id: 'p', label: 'mobile', value: '+44 (7700) 900-123' }],
  emails: [{ id: 'e', label: 'work', value: 'ann@globex.example' }],
  addresses: [
    {
      id: 'a',
      label: 'home',
      street: '1 Main St',
      locality: 'London',
      region: '',
      postcode: 'SW1A 1AA',
      country: 'UK',
    },
  ],
  tags: ['Client', 'VIP'],
  peer: 'abcdefghijklmnopqrstuvwxyz234567',
})
const jose = contact('jose', {
  display: 'José Núñez',
  tags: ['Football'],
  notes: 'plays on sundays',
})
const zed = contact('zed', { given: 'Zed', org: 'Lisbon Tours', deletedAt: 5 })

function index(): ContactIndex {
  const i = new ContactIndex()
  for (const c of [zed, jose, ann]) i.set(c.id, c)
  return i
}

describe('contact search', () => {
  it.each([
    ['ann', ['ann']],
    ['LEE', ['ann']],
    ['globex', ['ann']],
    ['head of', ['ann']],
    ['head lisbon', ['ann']],
    ['head sundays', []],
    ['"head of"', ['ann']],
    ['lisbon', ['ann']],
    ['900123', ['ann']],
    ['7700 900', ['ann']],
    ['ann@glo', ['ann']],
    ['london', ['ann']],
    ['sw1a', ['ann']],
    ['vip', ['ann']],
    ['abcdefgh', ['ann']],
    ['jose', ['jose']],
    ['nunez', ['jose']],
    ['sundays', ['jose']],
    ['', ['ann', 'jose']],
    ['nobody', []],
  ])('finds %j in any field', (text, ids) => {
    expect(index().search({ text })).toEqual(ids)
  })

  it('narrows by field prefix and by tags, and keeps the bin apart', () => {
    const i = index()
    expect(i.search({ text: 'org:lisbon' })).toEqual([])
    expect(i.search({ text: 'notes:lisbon' })).toEqual(['ann'])
    expect(i.search({ text: 'email:globex' })).toEqual(['ann'])
    expect(i.search({ text: 'phone:900' })).toEqual(['ann'])
    expect(i.search({ text: 'tag:foot' })).toEqual(['jose'])
    expect(i.search({ text: 'city:london' })).toEqual(['ann'])
    expect(i.search({ text: 'http://x' })).toEqual([])
    expect(i.search({ tags: ['client'] })).toEqual(['ann'])
    expect(i.search({ tags: ['Client', 'Football'] })).toEqual([])
    expect(i.search({ deleted: true })).toEqual(['zed'])
    expect(i.search({ text: 'lisbon', deleted: true })).toEqual(['zed'])
    expect(i.tagCounts()).toEqual([
      { tag: 'Client', count: 1 },
      { tag: 'Football', count: 1 },
      { tag: 'VIP', count: 1 },
    ])
  })

  it('updates one contact at a time', () => {
    const i = index()
    i.set('jose', { ...jose, display: 'Pepe' })
    expect(i.search({ text: 'jose' })).toEqual([])
    expect(i.search({ text: 'pepe' })).toEqual(['jose'])
    i.set('ann', undefined)
    expect(i.search()).toEqual(['jose'])
    expect(i.size).toBe(2)
  })

  it('keeps name order as contacts are added, renamed and removed between searches', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `N${(i * 7919) % 1000}`)
    const grown = new ContactIndex()
    const rebuilt = () => {
      const fresh = new ContactIndex()
      for (const [id, c] of live) fresh.set(id, c)
      return fresh.search()
    }
    const live = new Map<string, Contact>()
    const put = (id: string, given: string | undefined) => {
      const c = given === undefined ? undefined : contact(id, { given })
      if (c) live.set(id, c)
      else live.delete(id)
      grown.set(id, c)
    }
    names(300).forEach((name, i) => put(`a${i}`, name))
    expect(grown.search()).toEqual(rebuilt())
    // A few at a time, as batches of an import arrive while the list is shown.
    for (let round = 0; round < 5; round++) {
      names(20).forEach((name, i) => put(`b${round}-${i}`, `${name}x`))
      put(`a${round * 3}`, `Renamed ${round}`)
      put(`a${round * 3 + 1}`, undefined)
      expect(grown.search()).toEqual(rebuilt())
    }
  })

  it('parses field prefixes and phrases', () => {
    expect(parseQuery('Tag:VIP "a b" x:y 555-12')).toEqual([
      { field: 'tag', needle: 'vip', digits: '' },
      { field: undefined, needle: 'a b', digits: '' },
      { field: undefined, needle: 'x:y', digits: '' },
      { field: undefined, needle: '555-12', digits: '55512' },
    ])
  })
})
