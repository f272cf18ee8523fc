import { ImmutableString } from '@automerge/automerge'
import {
  DETAIL_FIELDS,
  EXTRA_LISTS,
  ITEM_LISTS,
  LIMITS,
  TEXT_FIELDS,
  cleanField,
  cleanTag,
  keysOf,
  optionalKeysOf,
  type AnyItemList,
  type Contact,
  type DetailField,
  type PostalAddress,
  type ValueItem,
} from './contact-model.ts'
import { isRecord } from '../../lib/is-record.ts'

/** The key of the contact book in a workplace's `kinds` map and its root `docs`. */
export const CONTACTS_DOC_KIND = 'contacts'

/**
 * Text is stored as Automerge scalar strings (ImmutableString): a field is replaced as a whole,
 * so two concurrent writes to one field stay as a conflict to show, rather than a character
 * merge that would splice two phone numbers together. Plain strings (Automerge text) written by
 * other code are read too.
 */
type StoredText = ImmutableString | string

export interface StoredItem {
  /** Sort position (0 when absent); ties (concurrent additions) are broken by item ID. */
  rank?: number
  [key: string]: StoredText | number
}

export interface StoredContact extends Partial<Record<DetailField, StoredText>> {
  createdAt: number
  createdBy: StoredText
  /** When it was binned; absent or null while it is not. */
  deletedAt?: number | null
  deletedBy?: StoredText
  given?: StoredText
  family?: StoredText
  display?: StoredText
  org?: StoredText
  title?: StoredText
  notes?: StoredText
  peer?: StoredText
  tags: Record<string, boolean>
  phones: Record<string, StoredItem>
  emails: Record<string, StoredItem>
  addresses: Record<string, StoredItem>
  urls?: Record<string, StoredItem>
  ims?: Record<string, StoredItem>
}

/**
 * One workplace's contact book: contacts in a map keyed by random ID, so adds never collide.
 * `proofs` maps a change's hash to its writer's proof (see change-writer.ts); readers take the
 * proofs from the change messages, which hold the same.
 */
export interface ContactsDoc {
  contacts: Record<string, StoredContact>
  proofs?: Record<string, StoredText>
}

export function initialContactsDoc(): ContactsDoc {
  return { contacts: {} }
}

export function stored(value: string): ImmutableString {
  return new ImmutableString(value)
}

/** A stored text value as a string; anything else (a peer's malformed write) reads as ''. */
export function readText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof ImmutableString) return value.val
  return ''
}

const ID = /^[A-Za-z0-9_-]{1,64}$/

export function isId(value: string): boolean {
  return ID.test(value)
}

function readItems(raw: unknown, list: AnyItemList): (ValueItem | PostalAddress)[] {
  if (!isRecord(raw)) return []
  const items: { rank: number; item: Record<string, string> }[] = []
  for (const [id, value] of Object.entries(raw)) {
    if (!isId(id) || !isRecord(value)) continue
    const item: Record<string, string> = { id }
    for (const key of keysOf(list)) item[key] = cleanField(key, readText(value[key]))
    for (const key of optionalKeysOf(list)) {
      const text = cleanField(key, readText(value[key]))
      if (text) item[key] = text
    }
    const rank = typeof value.rank === 'number' && Number.isFinite(value.rank) ? value.rank : 0
    items.push({ rank, item })
  }
  items.sort((a, b) => a.rank - b.rank || (a.item.id! < b.item.id! ? -1 : 1))
  return items.slice(0, LIMITS.items).map((x) => x.item as unknown as ValueItem | PostalAddress)
}

/** Reads one stored contact into its plain view, dropping whatever is malformed. */
export function readContact(id: string, raw: unknown): Contact | undefined {
  if (!isId(id) || !isRecord(raw)) return undefined
  const text = Object.fromEntries(
    TEXT_FIELDS.map((field) => [field, cleanField(field, readText(raw[field]))]),
  ) as Record<(typeof TEXT_FIELDS)[number], string>
  const lists = Object.fromEntries(ITEM_LISTS.map((list) => [list, readItems(raw[list], list)]))
  const tags = isRecord(raw.tags)
    ? Object.keys(raw.tags)
        .filter((tag) => raw.tags && (raw.tags as Record<string, unknown>)[tag] === true)
        .map(cleanTag)
        .filter(Boolean)
        .slice(0, LIMITS.tags)
        .sort((a, b) => a.localeCompare(b))
    : []
  const details: Partial<Record<DetailField, string>> = {}
  for (const field of DETAIL_FIELDS) {
    const value = cleanField(field, readText(raw[field]))
    if (value) details[field] = value
  }
  const extraLists: Partial<Record<(typeof EXTRA_LISTS)[number], ValueItem[]>> = {}
  for (const list of EXTRA_LISTS) {
    const items = readItems(raw[list], list) as ValueItem[]
    if (items.length > 0) extraLists[list] = items
  }
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : 0
  return {
    id,
    ...text,
    phones: lists.phones as ValueItem[],
    emails: lists.emails as ValueItem[],
    addresses: lists.addresses as PostalAddress[],
    ...details,
    ...extraLists,
    tags,
    createdAt: number(raw.createdAt),
    createdBy: readText(raw.createdBy),
    deletedAt: raw.deletedAt == null ? null : number(raw.deletedAt),
    deletedBy: readText(raw.deletedBy),
  }
}
