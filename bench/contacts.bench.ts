/**
 * `contacts.search_10k_ms`: median time for the contact book to filter 10,000 contacts by a
 * substring (a real ContactBook over an Automerge document, queries of several kinds).
 * Also `contacts.open_10k_book_ms`: time from handing the book a 10,000-contact document (already
 * in memory) to its contacts, index and conflict scan being ready; `contacts.open_10k_ms`, the
 * cold open in the app, is measured in Chromium by contacts-open.bench.ts.
 */
import { Repo } from '@automerge/automerge-repo'
import { ContactBook } from '../src/crdt/contacts/contact-book.ts'
import type { ContactInput } from '../src/crdt/contacts/contact-model.ts'
import { initialContactsDoc, type ContactsDoc } from '../src/crdt/contacts/contacts-doc.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const GIVEN = ['Ann', 'Bob', 'Chidi', 'Dana', 'José', 'Zoë', 'Mei', 'Noor', 'Priya', 'Sven']
const FAMILY = ['Lee', 'Okafor', 'García', 'Müller', 'Nowak', 'Smith', 'Haddad', 'Tanaka']
const ORGS = ['Acme Corp', 'Globex', 'Initech', 'Umbrella Health', 'Wayne Logistics']
const TAGS = ['Family', 'Work', 'Client', 'Football', 'VIP']
const QUERIES = ['ann', 'müller', 'globex', '555 01', 'example.com', 'london', 'zzz-none', 'a']

function contactNumber(i: number): ContactInput {
  const given = GIVEN[i % GIVEN.length]!
  const family = FAMILY[(i * 7) % FAMILY.length]!
  return {
    given,
    family,
    org: ORGS[(i * 3) % ORGS.length]!,
    title: i % 4 === 0 ? 'Engineer' : '',
    phones: [{ label: 'mobile', value: `+1 555 01${String(i).padStart(5, '0')}` }],
    emails: [{ label: 'work', value: `${given.toLowerCase()}.${i}@example.com` }],
    addresses:
      i % 2 === 0
        ? [
            {
              label: 'home',
              street: `${i} Main St`,
              locality: i % 6 === 0 ? 'London' : 'Paris',
              region: '',
              postcode: String(10000 + i),
              country: 'UK',
            },
          ]
        : [],
    notes: i % 5 === 0 ? `Met at event number ${i}, likes tea.` : '',
    tags: [TAGS[i % TAGS.length]!],
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const repo = new Repo({ network: [] })
  try {
    const handle = repo.create<ContactsDoc>(initialContactsDoc())
    const writer = new ContactBook({ handle, self: 'bench' })
    await writer.ready
    writer.addMany(Array.from({ length: 10_000 }, (_, i) => contactNumber(i)))
    writer.close()

    const opened = performance.now()
    const book = new ContactBook({ handle, self: 'bench' })
    await book.ready
    const openMs = performance.now() - opened
    ctx.log(`opened 10,000 contacts in ${openMs.toFixed(0)} ms`)

    for (const text of QUERIES) book.search({ text })
    const times: number[] = []
    for (let round = 0; round < 25; round++) {
      for (const text of QUERIES) {
        const start = performance.now()
        const found = book.search({ text })
        times.push(performance.now() - start)
        if (round === 0) ctx.log(`"${text}": ${found.length} contacts`)
      }
    }
    return [
      {
        name: 'contacts.search_10k_ms',
        value: round3(median(times)),
        unit: 'ms',
        runs: times.length,
      },
      { name: 'contacts.open_10k_book_ms', value: Math.round(openMs), unit: 'ms', runs: 1 },
    ]
  } finally {
    await repo.shutdown()
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
