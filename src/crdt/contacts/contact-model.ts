/**
 * The plain view of a contact that the UI, search and vCard code work with. The stored
 * (Automerge) shape is in contacts-doc.ts; reading it always goes through a validating reader.
 */

/** Single-valued text fields, each its own key in the document so edits merge per field. */
export const TEXT_FIELDS = ['given', 'family', 'display', 'org', 'title', 'notes', 'peer'] as const
export type TextField = (typeof TEXT_FIELDS)[number]

/**
 * Optional single-valued fields (added after the first version of the book, so a stored contact
 * may lack them; the plain view leaves them out when empty). Dates are `YYYY-MM-DD`, or
 * `--MM-DD` without a year. `photo` is a small `data:image/…;base64,` URL (see LIMITS.photo);
 * `extra` holds the vCard lines Peerplace does not model, verbatim, one per line, so an export
 * writes them back.
 */
export const DETAIL_FIELDS = [
  'prefix',
  'middle',
  'suffix',
  'nickname',
  'department',
  'birthday',
  'anniversary',
  'uid',
  'photo',
  'extra',
] as const
export type DetailField = (typeof DETAIL_FIELDS)[number]
/** Every single-valued field, the original ones first. */
export const ALL_TEXT_FIELDS = [...TEXT_FIELDS, ...DETAIL_FIELDS] as const
export type AnyTextField = TextField | DetailField

/** Lists whose items are kept in a map by a random item ID, so concurrent additions all survive. */
export const ITEM_LISTS = ['phones', 'emails', 'addresses'] as const
export type ItemList = (typeof ITEM_LISTS)[number]
/** Optional lists, left out of the plain view when empty: web pages and IM/social handles. */
export const EXTRA_LISTS = ['urls', 'ims'] as const
type ExtraList = (typeof EXTRA_LISTS)[number]
export const ALL_ITEM_LISTS = [...ITEM_LISTS, ...EXTRA_LISTS] as const
export type AnyItemList = ItemList | ExtraList

const VALUE_KEYS = ['label', 'value'] as const
const ADDRESS_KEYS = ['label', 'street', 'locality', 'region', 'postcode', 'country'] as const
/**
 * Optional item keys, present only when not empty: `group` is the vCard group the item was read
 * in (e.g. Apple's `item2`, as written), so lines of that group kept in `extra` still belong to
 * it on export; `kind` is the vCard property an IM handle was read from (`IMPP`, `X-SKYPE`…).
 * Addresses also have `extended` (flat, building) and `pobox`.
 */
const OPTIONAL_ITEM_KEYS = ['group', 'kind'] as const
const OPTIONAL_ADDRESS_KEYS = ['extended', 'pobox', 'group'] as const

export interface ValueItem {
  id: string
  label: string
  value: string
  group?: string
  kind?: string
}

export interface PostalAddress {
  id: string
  label: string
  street: string
  locality: string
  region: string
  postcode: string
  country: string
  extended?: string
  pobox?: string
  group?: string
}

export interface Contact extends Record<TextField, string>, Partial<Record<DetailField, string>> {
  id: string
  phones: ValueItem[]
  emails: ValueItem[]
  addresses: PostalAddress[]
  urls?: ValueItem[]
  ims?: ValueItem[]
  tags: string[]
  createdAt: number
  createdBy: string
  /** Set while the contact is in the bin; undo clears it. */
  deletedAt: number | null
  deletedBy: string
}

/** A contact with every field empty: the base a partial one is filled in on. */
export function emptyContact(id: string): Contact {
  return {
    id,
    given: '',
    family: '',
    display: '',
    org: '',
    title: '',
    notes: '',
    peer: '',
    phones: [],
    emails: [],
    addresses: [],
    tags: [],
    createdAt: 0,
    createdBy: '',
    deletedAt: null,
    deletedBy: '',
  }
}

type Draft<T> = Omit<T, 'id'> & { id?: string }

/** What it takes to create a contact (every part optional) or the edited form of one. */
export interface ContactInput extends Partial<Record<AnyTextField, string>> {
  phones?: Draft<ValueItem>[]
  emails?: Draft<ValueItem>[]
  addresses?: Draft<PostalAddress>[]
  urls?: Draft<ValueItem>[]
  ims?: Draft<ValueItem>[]
  tags?: string[]
}

export const LIMITS = {
  text: 500,
  notes: 10_000,
  items: 50,
  tags: 50,
  tag: 60,
  /** A photo's data URL; a vCard photo bigger than this is reported, not kept. */
  photo: 48_000,
  extra: 20_000,
} as const

export function keysOf(list: AnyItemList): readonly string[] {
  return list === 'addresses' ? ADDRESS_KEYS : VALUE_KEYS
}

/** Keys an item has only when they are not empty. */
export function optionalKeysOf(list: AnyItemList): readonly string[] {
  return list === 'addresses' ? OPTIONAL_ADDRESS_KEYS : OPTIONAL_ITEM_KEYS
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
  const max =
    key === 'photo'
      ? LIMITS.photo
      : key === 'extra'
        ? LIMITS.extra
        : key === 'notes' || key === 'street'
          ? LIMITS.notes
          : LIMITS.text
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
  const pobox = a.pobox ? `PO Box ${a.pobox}` : ''
  return [a.extended, a.street, pobox, cityLine, a.region, a.country].filter(Boolean).join(', ')
}

/** "Dr. Ann B. Lee Jr." from the structured name parts that are set. */
export function fullNameOf(c: Partial<Record<AnyTextField, string>>): string {
  return [c.prefix, c.given, c.middle, c.family, c.suffix]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ')
}

/** "12 April 1985", or "12 April" for a date without a year; other text as it is. */
export function formatDate(value: string): string {
  const m = /^(\d{4}|-)-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return value
  const month = Number(m[2])
  const day = Number(m[3])
  const date = new Date(Date.UTC(m[1] === '-' ? 2000 : Number(m[1]), month - 1, day))
  if (date.getUTCMonth() !== month - 1) return value
  const opts: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long', timeZone: 'UTC' }
  if (m[1] !== '-') opts.year = 'numeric'
  return date.toLocaleDateString('en-GB', opts)
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

const FIELD_NAMES: Record<AnyTextField | AnyItemList | 'tags', string> = {
  prefix: 'name prefix',
  middle: 'middle name',
  suffix: 'name suffix',
  nickname: 'nickname',
  department: 'department',
  birthday: 'birthday',
  anniversary: 'anniversary',
  uid: 'UID',
  photo: 'photo',
  extra: 'other vCard properties',
  urls: 'web page',
  ims: 'IM handle',
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
  part: AnyTextField | AnyItemList | 'tags',
  label?: string,
  key?: string,
): string {
  const base = FIELD_NAMES[part]
  const labelled = label ? `${base} (${label})` : base
  return key && key !== 'value' ? `${labelled} ${key === 'label' ? 'label' : key}` : labelled
}
