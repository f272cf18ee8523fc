import type { Patch } from '@automerge/automerge'
import { ChangeLog } from './change-log.ts'
import { conflictsOf, type FieldConflict } from './contact-conflicts.ts'
import type { Contact } from './contact-model.ts'
import { ContactIndex, type ContactQuery } from './contact-search.ts'
import { readContact, type ContactsDoc } from './contacts-doc.ts'

const SCAN_CHUNK = 200
/** Contacts read from the document per task when the book loads (about 30 ms at 10,000). */
const READ_CHUNK = 500

/** How the views pause between chunks, and whether to stop (the book was closed). */
export interface Pacing {
  defer: (step: () => void) => void
  stopped: () => boolean
}

/**
 * Runs `step` over 0 … count-1 in ranges of `size` with a pause between, then `done` in the
 * same task as the last range; resolves true once all ran, false if stopped first.
 */
function inChunks(
  count: number,
  size: number,
  step: (from: number, to: number) => void,
  pacing: Pacing,
  done: () => void = () => {},
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let next = 0
    const run = () => {
      if (pacing.stopped()) return resolve(false)
      const end = Math.min(next + size, count)
      step(next, end)
      next = end
      if (next < count) return pacing.defer(run)
      done()
      resolve(true)
    }
    run()
  })
}

/**
 * What a contact book shows, read from its document: the contacts, a search index, the
 * conflicting fields and the change log (who wrote what). Read whole in chunks when the book
 * loads, then kept up to date contact by contact as changes arrive.
 */
export class ContactViews {
  readonly log = new ChangeLog()
  #contacts = new Map<string, Contact>()
  #index = new ContactIndex()
  readonly #conflicts = new Map<string, FieldConflict[]>()
  /** While the document is read in chunks: the contacts changes touched meanwhile. */
  #touchedWhileReading: Set<string> | undefined

  get(id: string): Contact | undefined {
    return this.#contacts.get(id)
  }

  has(id: string): boolean {
    return this.#contacts.has(id)
  }

  all(): IterableIterator<Contact> {
    return this.#contacts.values()
  }

  search(query: ContactQuery = {}): Contact[] {
    return this.#index.search(query).map((id) => this.#contacts.get(id)!)
  }

  count(deleted: boolean): number {
    return this.#index.count(deleted)
  }

  tags(): { tag: string; count: number }[] {
    return this.#index.tagCounts()
  }

  /** A contact's conflicting fields as last scanned. */
  conflictsOf(id: string): FieldConflict[] {
    return this.#conflicts.get(id) ?? []
  }

  conflicted(): string[] {
    return [...this.#conflicts.keys()]
  }

  /** Shows rows that were not read from the document (the stored list). */
  show(rows: readonly Contact[]): void {
    for (const contact of rows) {
      this.#contacts.set(contact.id, contact)
      this.#index.set(contact.id, contact)
    }
  }

  /** The contacts a change's patches touched (all of them when the whole map changed). */
  touched(doc: ContactsDoc, patches: readonly Patch[]): Set<string> {
    const touched = new Set<string>()
    for (const patch of patches) {
      if (patch.path[0] !== 'contacts') continue
      const id = patch.path[1]
      if (typeof id !== 'string') {
        for (const known of this.#contacts.keys()) touched.add(known)
        for (const present of Object.keys(doc.contacts ?? {})) touched.add(present)
        break
      }
      touched.add(id)
    }
    return this.wrote(touched)
  }

  /** The contacts a change this device made wrote (known without reading its patches). */
  wrote(ids: Iterable<string>): Set<string> {
    const touched = new Set(ids)
    for (const id of touched) this.#touchedWhileReading?.add(id)
    return touched
  }

  /** Reads a contact again from the document, and (`scan`) its conflicts. */
  read(doc: ContactsDoc, id: string, scan: boolean): void {
    const contact = readContact(id, doc.contacts?.[id])
    if (contact) this.#contacts.set(id, contact)
    else this.#contacts.delete(id)
    this.#index.set(id, contact)
    if (scan) this.scan(doc, id)
  }

  scan(doc: ContactsDoc, id: string): void {
    const found = this.#contacts.has(id) ? conflictsOf(id, doc.contacts?.[id], this.log) : []
    if (found.length > 0) this.#conflicts.set(id, found)
    else this.#conflicts.delete(id)
  }

  /**
   * Reads the whole document into new views, in chunks with a pause between them so the page
   * answers input while a big book loads; what is shown until then (the stored rows, or what
   * changes showed) stays until the last chunk. Contacts a change touched while reading are read
   * again from the document at the end. `read` is called with every contact read, in the task
   * of the last chunk (not if stopped first).
   */
  async readAll(
    doc: () => ContactsDoc,
    pacing: Pacing,
    read: (ids: string[]) => void,
  ): Promise<void> {
    const ids = Object.keys(doc().contacts ?? {})
    const contacts = new Map<string, Contact>()
    const index = new ContactIndex()
    const touched = (this.#touchedWhileReading = new Set())
    const readInto = (now: ContactsDoc, id: string) => {
      const contact = readContact(id, now.contacts?.[id])
      if (contact) contacts.set(id, contact)
      else contacts.delete(id)
      index.set(id, contact)
    }
    const chunk = (from: number, to: number) => {
      const now = doc()
      for (let i = from; i < to; i++) readInto(now, ids[i]!)
    }
    await inChunks(ids.length, READ_CHUNK, chunk, pacing, () => {
      this.#touchedWhileReading = undefined
      const now = doc()
      for (const id of touched) readInto(now, id)
      // The stored list's rows go: from now on every contact is read from the document.
      this.#contacts = contacts
      this.#index = index
      this.log.update(now)
      read([...new Set([...ids, ...touched])])
    })
  }

  /** Conflicts need a getConflicts call per field: a big book is scanned in chunks. */
  async scanAll(doc: () => ContactsDoc, ids: readonly string[], pacing: Pacing): Promise<void> {
    const scan = (from: number, to: number) => {
      const now = doc()
      for (let i = from; i < to; i++) this.scan(now, ids[i]!)
    }
    await inChunks(ids.length, SCAN_CHUNK, scan, pacing)
  }
}
