import { displayNameOf, formatAddress, type Contact } from './contact-model.ts'

type SearchField =
  'name' | 'org' | 'title' | 'notes' | 'phone' | 'email' | 'address' | 'tag' | 'peer'

/** `field:` prefixes a query term may use, e.g. `email:acme tag:client`. */
const ALIASES: Record<string, SearchField> = {
  name: 'name',
  given: 'name',
  family: 'name',
  org: 'org',
  organisation: 'org',
  organization: 'org',
  company: 'org',
  title: 'title',
  note: 'notes',
  notes: 'notes',
  phone: 'phone',
  tel: 'phone',
  email: 'email',
  mail: 'email',
  address: 'address',
  adr: 'address',
  city: 'address',
  tag: 'tag',
  tags: 'tag',
  peer: 'peer',
}

export interface ContactQuery {
  /** Terms, all of which must match; a term matches any field unless prefixed with `field:`. */
  text?: string
  /** Tags the contact must all have (case-insensitive). */
  tags?: readonly string[]
  /** The bin (deleted contacts) instead of the live ones. */
  deleted?: boolean
}

interface Term {
  field: SearchField | undefined
  needle: string
  digits: string
}

interface Entry {
  id: string
  sortKey: string
  all: string
  fields: Record<SearchField, string>
  digits: string
  tags: string[]
  tagLabels: string[]
  deleted: boolean
}

/** Lower case without accents, so "jose" finds "José". */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

export function parseQuery(text: string): Term[] {
  const terms: Term[] = []
  for (const match of text.matchAll(/(?:(\w+):)?(?:"([^"]*)"|(\S+))/g)) {
    const alias = match[1] ? ALIASES[match[1].toLowerCase()] : undefined
    // An unknown prefix ("http:") is part of the term.
    const raw = match[2] ?? match[3] ?? ''
    const needle = fold(alias || !match[1] ? raw : `${match[1]}:${raw}`).trim()
    if (!needle) continue
    const digits = /^[\d\s()+.-]+$/.test(needle) ? needle.replace(/\D/g, '') : ''
    terms.push({ field: alias, needle, digits })
  }
  return terms
}

function entryOf(c: Contact): Entry {
  const fields: Record<SearchField, string> = {
    name: fold(
      [c.display, c.prefix, c.given, c.middle, c.family, c.suffix, c.nickname]
        .filter(Boolean)
        .join('\n'),
    ),
    org: fold([c.org, c.department].filter(Boolean).join('\n')),
    title: fold(c.title),
    notes: fold(c.notes),
    phone: fold(c.phones.map((p) => `${p.value}\n${p.label}`).join('\n')),
    email: fold(c.emails.map((e) => `${e.value}\n${e.label}`).join('\n')),
    address: fold(c.addresses.map((a) => `${formatAddress(a)}\n${a.label}`).join('\n')),
    tag: fold(c.tags.join('\n')),
    peer: fold(c.peer),
  }
  return {
    id: c.id,
    sortKey: `${fold(displayNameOf(c))}\u0000${c.id}`,
    all: Object.values(fields).join('\n'),
    fields,
    digits: c.phones.map((p) => p.value.replace(/\D/g, '')).join('\n'),
    tags: c.tags.map(fold),
    tagLabels: c.tags,
    deleted: c.deletedAt !== null,
  }
}

function bySortKey(a: Entry, b: Entry): number {
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0
}

function matches(entry: Entry, term: Term): boolean {
  const hay = term.field ? entry.fields[term.field] : entry.all
  if (hay.includes(term.needle)) return true
  return (
    term.digits.length >= 3 &&
    (term.field === undefined || term.field === 'phone') &&
    entry.digits.includes(term.digits)
  )
}

/**
 * An in-memory search index over the contacts, updated one contact at a time as the document
 * changes. Search is a linear scan over pre-folded strings, which is fast enough for tens of
 * thousands of contacts and needs no rebuild.
 */
export class ContactIndex {
  readonly #entries = new Map<string, Entry>()
  #sorted: Entry[] | undefined
  /** Contacts set since `#sorted` was made: a few are merged in rather than all sorted again. */
  readonly #moved = new Set<string>()

  get size(): number {
    return this.#entries.size
  }

  /** Indexes a contact, or removes `id` when the contact is gone. */
  set(id: string, contact: Contact | undefined): void {
    if (contact) this.#entries.set(id, entryOf(contact))
    else this.#entries.delete(id)
    if (this.#sorted) this.#moved.add(id)
  }

  clear(): void {
    this.#entries.clear()
    this.#sorted = undefined
    this.#moved.clear()
  }

  /** IDs of the matching contacts, in name order. */
  search(query: ContactQuery = {}): string[] {
    const terms = parseQuery(query.text ?? '')
    const tags = (query.tags ?? []).map(fold)
    const deleted = query.deleted ?? false
    const out: string[] = []
    for (const entry of this.#inOrder()) {
      if (entry.deleted !== deleted) continue
      if (!tags.every((tag) => entry.tags.includes(tag))) continue
      if (terms.every((term) => matches(entry, term))) out.push(entry.id)
    }
    return out
  }

  /** How many live (or, with `deleted`, binned) contacts there are. */
  count(deleted = false): number {
    let n = 0
    for (const entry of this.#entries.values()) if (entry.deleted === deleted) n++
    return n
  }

  /** Every tag on a live contact with its count, most used first. */
  tagCounts(): { tag: string; count: number }[] {
    const counts = new Map<string, { tag: string; count: number }>()
    for (const entry of this.#entries.values()) {
      if (entry.deleted) continue
      entry.tagLabels.forEach((tag, i) => {
        const key = entry.tags[i]!
        const seen = counts.get(key)
        if (seen) seen.count++
        else counts.set(key, { tag, count: 1 })
      })
    }
    return [...counts.values()].sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag))
  }

  /**
   * Every entry in name order. While a big import adds contacts between searches, the ones set
   * since the last search are sorted alone and merged into the kept order (linear, where
   * sorting everything again took most of a search).
   */
  #inOrder(): Entry[] {
    if (!this.#sorted || this.#moved.size > this.#sorted.length / 2) {
      this.#sorted = [...this.#entries.values()].sort(bySortKey)
      this.#moved.clear()
      return this.#sorted
    }
    if (this.#moved.size === 0) return this.#sorted
    const kept = this.#sorted.filter((e) => !this.#moved.has(e.id))
    const fresh: Entry[] = []
    for (const id of this.#moved) {
      const entry = this.#entries.get(id)
      if (entry) fresh.push(entry)
    }
    fresh.sort(bySortKey)
    const merged: Entry[] = []
    let i = 0
    let j = 0
    while (i < kept.length || j < fresh.length) {
      if (j >= fresh.length || (i < kept.length && bySortKey(kept[i]!, fresh[j]!) <= 0))
        merged.push(kept[i++]!)
      else merged.push(fresh[j++]!)
    }
    this.#moved.clear()
    this.#sorted = merged
    return merged
  }
}
