import {
  DETAIL_FIELDS,
  EXTRA_LISTS,
  LIMITS,
  TEXT_FIELDS,
  type Contact,
  type PostalAddress,
  type ValueItem,
} from './contact-model.ts'
import { isRecord } from '../../lib/is-record.ts'

/**
 * The rows of a contact book's list as this device keeps them between visits (see
 * contact-list-store.ts): each contact as the book last read it from its document, so the list,
 * its counts, tags and search can show before the document is loaded. A row is read back like
 * anything stored: checked field by field, and left out when it does not check.
 */

/** A photo bigger than this is left out of the stored rows (the list shows it once loaded). */
export const ROW_PHOTO_CHARS = 8000

/** The stored row of a contact: the contact without a big photo. */
export function listRow(contact: Contact): Contact {
  if (!contact.photo || contact.photo.length <= ROW_PHOTO_CHARS) return contact
  const { photo: _photo, ...rest } = contact
  return rest
}

const ID = /^[A-Za-z0-9_-]{1,64}$/
const isText = (value: unknown, max = 100_000): value is string =>
  typeof value === 'string' && value.length <= max
const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

function checkItems<T extends ValueItem | PostalAddress>(value: unknown): T[] | undefined {
  if (!Array.isArray(value) || value.length > LIMITS.items) return undefined
  for (const item of value) {
    if (!isRecord(item) || !isText(item.id) || !ID.test(item.id)) return undefined
    if (!Object.values(item).every((v) => isText(v))) return undefined
  }
  return value as T[]
}

/** A stored row as a contact, or undefined when any part of it is not what a row holds. */
export function checkListRow(row: unknown): Contact | undefined {
  if (!isRecord(row) || !isText(row.id) || !ID.test(row.id)) return undefined
  for (const field of TEXT_FIELDS) if (!isText(row[field])) return undefined
  for (const field of DETAIL_FIELDS) {
    if (row[field] !== undefined && !isText(row[field], ROW_PHOTO_CHARS)) return undefined
  }
  const phones = checkItems<ValueItem>(row.phones)
  const emails = checkItems<ValueItem>(row.emails)
  const addresses = checkItems<PostalAddress>(row.addresses)
  if (!phones || !emails || !addresses) return undefined
  for (const list of EXTRA_LISTS) {
    if (row[list] !== undefined && !checkItems(row[list])) return undefined
  }
  const tags = row.tags
  if (!Array.isArray(tags) || tags.length > LIMITS.tags || !tags.every((t) => isText(t, 200))) {
    return undefined
  }
  if (!isNumber(row.createdAt) || !isText(row.createdBy) || !isText(row.deletedBy)) {
    return undefined
  }
  if (row.deletedAt !== null && !isNumber(row.deletedAt)) return undefined
  return row as unknown as Contact
}
