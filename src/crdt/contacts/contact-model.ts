/**
 * The plain view of a contact that the UI, search and vCard code work with. The stored
 * (Automerge) shape is in contacts-doc.ts; reading it always goes through a validating reader.
 */

/** Single-valued text fields, each its own key in the document so edits merge per field. */
export const TEXT_FIELDS = ['given', 'family', 'display', 'org', 'title', 'notes', 'peer'] as const
export type TextField = (typeof TEXT_FIELDS)[number]

/** Lists whose items are kept in a map by a random item ID, so concurrent additions all survive. */
export const ITEM_LISTS = ['phones', 'emails', 'addresses'] as const
export type ItemList = (typeof ITEM_LISTS)[number]

export const VALUE_KEYS = ['label', 'value'] as const
export const ADDRESS_KEYS = [
  'label',
  'street',
  'locality',
  'region',
  'postcode',
  'country',
] as const
export type ValueKey = (typeof VALUE_KEYS)[number]
export type AddressKey = (typeof ADDRESS_KEYS)[number]

export interface ValueItem {
  id: string
  label: string
  value: string
}

export interface PostalAddress {
  id: string
  label: string
  street: string
  locality: string
  region: string
  postcode: string
  country: string
}

export interface Contact extends Record<TextField, string> {
  id: string
  phones: ValueItem[]
  emails: ValueItem[]
  addresses: PostalAddress[]
  tags: string[]
  createdAt: number
  createdBy: string
  /** Set while the contact is in the bin; undo clears it. */
  deletedAt: number | null
  deletedBy: string
}

type Draft<T> = Omit<T, 'id'> & { id?: string }

/** What it takes to create a contact (every part optional) or the edited form of one. */
export interface ContactInput extends Partial<Record<TextField, string>> {
  phones?: Draft<ValueItem>[]
  emails?: Draft<ValueItem>[]
  addresses?: Draft<PostalAddress>[]
  tags?: string[]
}

export const LIMITS = {
  text: 500,
  notes: 10_000,
  items: 50,
  tags: 50,
  tag: 60,
} as const

export function keysOf(list: ItemList): readonly string[] {
  return list === 'addresses' ? ADDRESS_KEYS : VALUE_KEYS
}

export function isTextField(value: string): value is TextField {
  return (TEXT_FIELDS as readonly string[]).includes(value)
}

export function isItemList(value: string): value is ItemList {
  return (ITEM_LISTS as readonly string[]).includes(value)
}

/** Trims and bounds a text value; control characters other than newlines and tabs go. */
export function cleanField(key: string, value: unknown): string {
  if (typeof value !== 'string') return ''
  const max = key === 'notes' || key === 'street' ? LIMITS.notes : LIMITS.text
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, max)
}

export function cleanTag(value: unknown): string {
  if (typeof value !== 'string') return ''
  const tag = value.replace(/\s+/g, ' ').trim().slice(0, LIMITS.tag)
  // Tags are map keys, and Automerge refuses this one.
  return tag === '__proto__' ? '' : tag
}

export function formatAddress(a: Omit<PostalAddress, 'id' | 'label'>): string {
  const cityLine = [a.postcode, a.locality].filter(Boolean).join(' ')
  return [a.street, cityLine, a.region, a.country].filter(Boolean).join(', ')
}

/** The name to show: the display name, else given + family, else organisation, email, phone. */
export function displayNameOf(c: Omit<Contact, 'id' | 'createdAt' | 'createdBy'>): string {
  return (
    c.display.trim() ||
    [c.given, c.family].filter((part) => part.trim()).join(' ') ||
    c.org.trim() ||
    c.emails[0]?.value ||
    c.phones[0]?.value ||
    'No name'
  )
}

const FIELD_NAMES: Record<TextField | ItemList | 'tags', string> = {
  given: 'given name',
  family: 'family name',
  display: 'display name',
  org: 'organisation',
  title: 'job title',
  notes: 'notes',
  peer: 'peer ID',
  phones: 'phone',
  emails: 'email',
  addresses: 'address',
  tags: 'tags',
}

/** "phone (mobile)", "email", "display name", "address (home) street"… */
export function describeField(
  part: TextField | ItemList | 'tags',
  label?: string,
  key?: string,
): string {
  const base = FIELD_NAMES[part]
  const labelled = label ? `${base} (${label})` : base
  return key && key !== 'value' ? `${labelled} ${key === 'label' ? 'label' : key}` : labelled
}
