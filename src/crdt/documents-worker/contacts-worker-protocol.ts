import type { HistoryEntry } from '../contacts/change-log.ts'
import type { FieldConflict } from '../contacts/contact-conflicts.ts'
import type { Contact, ContactInput } from '../contacts/contact-model.ts'
import { isRecord } from '../../lib/is-record.ts'
import { ProtocolError } from './protocol-error.ts'

/**
 * The contact book's part of the documents worker's protocol (documents-worker-protocol.ts): the
 * worker holds the book's document and does every Automerge step (loading, writing, imports,
 * conflicts, history); the page holds the rows it lists and sends the writes.
 */

/** What the page asks of an open book; each is replied to once done (its rows sent before). */
export type ContactsCall =
  /** New contacts with the IDs the page chose (so it can show one at once). */
  | { method: 'add'; ids: string[]; inputs: ContactInput[] }
  | { method: 'update'; id: string; edited: ContactInput; base?: Contact }
  | { method: 'delete'; id: string }
  | { method: 'restore'; id: string }
  | { method: 'resolve'; id: string; path: string; value: string }
  /**
   * Imports in batches; `contacts-progress` follows each, `contacts-cancel` stops it. With a
   * `total` above the contacts given, the rest follow in `contacts-import-more` as they are read.
   */
  | { method: 'import'; contacts: ContactInput[]; total?: number }
  /** A contact's conflicts and history (they need the document). */
  | { method: 'details'; id: string; limit: number }
  /** Resolves once the changes so far carry their proofs. */
  | { method: 'signed' }

export interface ContactDetails {
  conflicts: FieldConflict[]
  history: HistoryEntry[]
}

/**
 * Rows that changed since the last update. Loading a big book sends them in pages, each one
 * message (one short task on the page); the last page of a batch is `final`.
 */
export interface ContactRowsUpdate {
  rows: Contact[]
  removed: string[]
  final: boolean
  /** The book has read its whole document. */
  loaded: boolean
  /** On a final page: the contacts with conflicting fields. */
  conflicted?: string[]
  /** On a final page: the document's heads these rows reflect (for the stored list). */
  heads?: string[]
}

export type ToContactsWorker =
  /**
   * Opens (loads) a workplace's book; its `workplace` snapshot was sent before. `book` names this
   * opening: what the worker sends of it says so (a book closed and opened again gets nothing
   * of the closed one's that was still on its way).
   */
  | { t: 'contacts-open'; workplace: string; book: number }
  | { t: 'contacts-call'; id: number; workplace: string; call: ContactsCall }
  /** The next contacts of the import that call `id` runs. */
  | { t: 'contacts-import-more'; id: number; contacts: ContactInput[] }
  /** Stops the import that call `id` runs (the batches written stay). */
  | { t: 'contacts-cancel'; id: number }
  | { t: 'contacts-close'; id: number; workplace: string }

export type FromContactsWorker =
  | { t: 'contacts-rows'; workplace: string; book: number; update: ContactRowsUpdate }
  | { t: 'contacts-progress'; id: number; done: number; total: number }
  | {
      t: 'contacts-failed'
      workplace: string
      book: number
      error: { name: string; message: string }
    }

const CONTACT_ID = /^[A-Za-z0-9_-]{1,64}$/
/** More contacts than one import may bring. */
const MAX_CONTACTS = 100_000

const isText = (value: unknown, max = 1000): value is string =>
  typeof value === 'string' && value.length <= max
const isCallId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0
const isContactId = (value: unknown): value is string =>
  typeof value === 'string' && CONTACT_ID.test(value)

function fail(message: string): never {
  throw new ProtocolError(`contacts worker: ${message}`)
}

function checkContacts(value: unknown, what: string): ContactInput[] {
  if (!Array.isArray(value) || value.length > MAX_CONTACTS) fail(`${what} is not a list`)
  if (!value.every(isRecord)) fail(`${what} holds something that is not a contact`)
  return value as ContactInput[]
}

/** Checks a call's fields; returns it typed, or throws a ProtocolError saying what is wrong. */
export function checkContactsCall(value: unknown): ContactsCall {
  if (!isRecord(value)) fail('a call that is not an object')
  const id = () => {
    if (!isContactId(value.id)) fail(`${String(value.method)}: not a contact ID`)
  }
  switch (value.method) {
    case 'add': {
      const inputs = checkContacts(value.inputs, 'add: inputs')
      if (!Array.isArray(value.ids) || !value.ids.every(isContactId))
        fail('add: ids are not contact IDs')
      if (value.ids.length !== inputs.length) fail('add: one ID per contact is needed')
      break
    }
    case 'update':
      id()
      if (!isRecord(value.edited)) fail('update: edited is not a contact')
      if (value.base !== undefined && (!isRecord(value.base) || !isContactId(value.base.id)))
        fail('update: base is not a contact')
      break
    case 'delete':
    case 'restore':
      id()
      break
    case 'resolve':
      id()
      if (!isText(value.path) || !isText(value.value, 100_000))
        fail('resolve: path and value must be text')
      break
    case 'import': {
      const contacts = checkContacts(value.contacts, 'import: contacts')
      const total = value.total
      if (
        total !== undefined &&
        (typeof total !== 'number' ||
          !Number.isSafeInteger(total) ||
          total < contacts.length ||
          total > MAX_CONTACTS)
      )
        fail('import: total out of range')
      break
    }
    case 'details':
      id()
      if (!isCallId(value.limit) || value.limit > 1000) fail('details: limit out of range')
      break
    case 'signed':
      break
    default:
      fail(`unknown method ${String(value.method)}`)
  }
  return value as unknown as ContactsCall
}

/** Checks a contacts message for the worker; throws a ProtocolError saying what is wrong. */
export function checkToContactsWorker(message: Record<string, unknown>): ToContactsWorker {
  const workplace = () => {
    if (!isText(message.workplace, 200) || message.workplace === '') fail('no workplace')
  }
  const id = () => {
    if (!isCallId(message.id)) fail(`${String(message.t)}: no call ID`)
  }
  switch (message.t) {
    case 'contacts-open':
      workplace()
      if (!isCallId(message.book)) fail('contacts-open: no book number')
      break
    case 'contacts-call':
      id()
      workplace()
      checkContactsCall(message.call)
      break
    case 'contacts-import-more':
      id()
      checkContacts(message.contacts, 'import-more: contacts')
      break
    case 'contacts-cancel':
      id()
      break
    case 'contacts-close':
      id()
      workplace()
      break
    default:
      fail(`unknown message ${String(message.t)}`)
  }
  return message as unknown as ToContactsWorker
}

/** Checks a contacts message for the page (rows are plain contacts, as the book read them). */
export function checkFromContactsWorker(message: Record<string, unknown>): FromContactsWorker {
  switch (message.t) {
    case 'contacts-rows': {
      const update = message.update
      if (!isText(message.workplace, 200) || !isCallId(message.book) || !isRecord(update))
        fail('rows: malformed')
      if (
        !Array.isArray(update.rows) ||
        !update.rows.every((r) => isRecord(r) && isContactId(r.id))
      )
        fail('rows: a row without a contact ID')
      if (!Array.isArray(update.removed) || !update.removed.every(isContactId))
        fail('rows: removed are not contact IDs')
      if (typeof update.final !== 'boolean' || typeof update.loaded !== 'boolean')
        fail('rows: final and loaded must be true or false')
      break
    }
    case 'contacts-progress':
      if (!isCallId(message.id) || typeof message.done !== 'number') fail('progress: malformed')
      break
    case 'contacts-failed':
      if (!isText(message.workplace, 200) || !isCallId(message.book) || !isRecord(message.error))
        fail('failed: malformed')
      break
    default:
      fail(`unknown message ${String(message.t)}`)
  }
  return message as unknown as FromContactsWorker
}
