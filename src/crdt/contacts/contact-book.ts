import { getHeads, type Patch } from '@automerge/automerge'
import type { DocHandle, DocHandleChangePayload } from '@automerge/automerge-repo'
import { Emitter } from '../../lib/emitter.ts'
import type { Authorship } from '../authorship/authorship.ts'
import type { HistoryEntry } from './change-log.ts'
import type {
  ContactBookApi,
  ContactBookEvents,
  ImportProgressOptions,
  ImportResult,
} from './contact-book-api.ts'
import type { ChangeOp } from './change-note.ts'
import { ChangeWriter } from './change-writer.ts'
import { ContactListKeeper, type ContactListOptions } from './contact-list-keeper.ts'
import type { ContactFeed } from './contact-feed.ts'
import { ContactProvenance } from './contact-provenance.ts'
import type { FieldConflict } from './contact-conflicts.ts'
import { contactIdSource } from './contact-id.ts'
import type { ImportStep } from './contact-merge.ts'
import { importInBatches } from './import-batches.ts'
import type { Contact, ContactInput } from './contact-model.ts'
import type { ContactQuery } from './contact-search.ts'
import { ContactViews, type Pacing } from './contact-views.ts'
import { ContactWrites } from './contact-writes.ts'
import type { ContactsDoc } from './contacts-doc.ts'
import type { KnownPeer } from './save-as-contact.ts'

export type { ContactBookEvents, ImportResult } from './contact-book-api.ts'

export interface ContactBookOptions {
  /**
   * The book's document, or how to open it. With a stored list (`list`) that has rows, the book
   * shows them first and opens the document once asked to (`load`: the list is on screen, or a
   * write needs it), or after `loadWaitMs`.
   */
  handle: DocHandle<ContactsDoc> | (() => Promise<DocHandle<ContactsDoc>>)
  /** Where this device keeps the book's list between visits (see contact-list-keeper.ts). */
  list?: ContactListOptions
  /** Longest wait for `load` before the document is opened anyway. */
  loadWaitMs?: number
  /** This device's peer ID, written into every change note. */
  self: string
  /**
   * Signs this device's changes and judges everyone's (the workplace's). Without it nothing is
   * signed and every writer reads as unverified.
   */
  authorship?: Pick<Authorship, 'sign' | 'check' | 'on'>
  clock?: () => number
  newId?: () => string
  /** How the first conflict scan yields between chunks (setTimeout by default). */
  defer?: (step: () => void) => void
}

const LOAD_WAIT_MS = 10_000

/**
 * One workplace's contact book over its DocHandle: the operations (each one Automerge change
 * with a note naming the writer), and in-memory views kept up to date on every change — the
 * contacts, a search index, the conflicts and a per-contact history.
 */
export class ContactBook extends Emitter<ContactBookEvents> implements ContactBookApi {
  readonly self: string
  /** Resolves once the whole book has been read and scanned for conflicts. */
  readonly ready: Promise<void>
  /** Resolves once the document is open (not yet loaded); rejects if it cannot be. */
  readonly opened: Promise<void>
  /** Resolves once the stored list was read: true if its rows are shown until the book loads. */
  readonly previewed: Promise<boolean>
  #handle: DocHandle<ContactsDoc> | undefined
  readonly #clock: () => number
  readonly #writes: ContactWrites
  readonly #pacing: Pacing
  readonly #views = new ContactViews()
  readonly #offs: ((() => void) | undefined)[] = []
  #writer: ChangeWriter | undefined
  readonly #provenance: ContactProvenance
  readonly #list: ContactListKeeper | undefined
  #load: () => void = () => {}
  #loaded = false
  /** Whether stored rows are shown (until the document is read). */
  #previewing = false
  #version = 0
  #closed = false
  /** The contacts the change being made writes, while its `change` event is sent. */
  #writing: readonly string[] | undefined

  constructor(options: ContactBookOptions) {
    super()
    this.self = options.self
    this.#clock = options.clock ?? Date.now
    this.#writes = new ContactWrites({
      self: this.self,
      clock: this.#clock,
      newId: options.newId ?? contactIdSource(),
      views: this.#views,
      change: (op, ids, fields, fn) => this.#change(op, ids, fields, fn),
    })
    this.#pacing = {
      defer: options.defer ?? ((step) => setTimeout(step, 0)),
      stopped: () => this.#closed,
    }
    this.#provenance = new ContactProvenance(this.#views, options.authorship, () => this.#bump())
    this.#list = options.list && new ContactListKeeper(options.list)
    this.previewed = this.#list
      ? this.#list.read().then((s) => this.#preview(s))
      : Promise.resolve(false)
    const asked = new Promise<void>((resolve) => (this.#load = resolve))
    const open = options.handle
    const handle =
      typeof open === 'function'
        ? this.previewed.then(async (rows) => {
            if (rows) {
              const wait = options.loadWaitMs ?? LOAD_WAIT_MS
              await Promise.race([asked, new Promise((resolve) => setTimeout(resolve, wait))])
            }
            return open()
          })
        : Promise.resolve(open)
    // A handle given as it is can be written to at once, as soon as it is ready.
    if (typeof open !== 'function') this.#attach(open, options)
    this.opened = handle.then((h) => (h === this.#handle ? undefined : this.#attach(h, options)))
    this.ready = this.opened.then(async () => {
      await this.#handle?.whenReady()
      if (!this.#closed) await this.#loadAll()
    })
  }

  /** Whether the book has read its document (until then it shows its stored list, read-only). */
  get loaded(): boolean {
    return this.#loaded
  }

  /**
   * Loads the document now (if it is not loaded or loading yet) and resolves once it is read:
   * the Contacts tab asks once the stored rows are painted, and whatever writes asks first.
   */
  load(): Promise<void> {
    this.#load()
    return this.ready
  }

  /** Grows by one on every change, for views that memoize. */
  get version(): number {
    return this.#version
  }

  get(id: string): Contact | undefined {
    return this.#views.get(id)
  }

  /** Every contact held now (live and binned), unsorted. */
  all(): IterableIterator<Contact> {
    return this.#views.all()
  }

  search(query: ContactQuery = {}): Contact[] {
    return this.#views.search(query)
  }

  /** How many live contacts there are (binned ones with `deleted`), without listing them. */
  count(query: { deleted?: boolean } = {}): number {
    return this.#views.count(query.deleted ?? false)
  }

  tags(): { tag: string; count: number }[] {
    return this.#views.tags()
  }

  /** A contact's conflicting fields; each value's writer is verified (`verified`) now. */
  conflicts(id: string): FieldConflict[] {
    return this.#provenance.conflicts(id)
  }

  /** IDs of the contacts that have at least one conflicting field. */
  conflicted(): string[] {
    return this.#views.conflicted()
  }

  /** Who changed what and when, newest first (see ContactProvenance.history). */
  history(id: string, limit = 20): HistoryEntry[] {
    return this.#provenance.history(id, limit)
  }

  /** Resolves once this device's changes so far carry their proofs. */
  signed(): Promise<void> {
    return this.#writer?.signed() ?? Promise.resolve()
  }

  add(input: ContactInput): string {
    return this.addMany([input], 'add')[0]!
  }

  /**
   * Adds many contacts in one change (an import is one step of history); `ids` are theirs when
   * the caller chose them (a page that shows the new contact at once).
   */
  addMany(inputs: readonly ContactInput[], op?: 'add' | 'import', ids?: readonly string[]) {
    return this.#writes.addMany(inputs, op, ids)
  }

  /** Imports contacts in batches (see import-batches.ts), pausing between them. */
  importInBatches(
    contacts: readonly ContactInput[] | ContactFeed,
    options: ImportProgressOptions & { budgetMs?: number; firstBatch?: number } = {},
  ): Promise<ImportResult & { cancelled: boolean }> {
    return importInBatches(this, contacts, options)
  }

  /** Imports contacts as one change, merging each into the contact it matches. */
  importContacts(inputs: readonly ContactInput[]): ImportResult {
    return this.#writes.importContacts(inputs)
  }

  /** Writes planned import steps (ImportMatcher.plan) as one change. */
  applyImport(steps: readonly ImportStep[]): ImportResult {
    return this.#writes.applyImport(steps)
  }

  /** Writes the fields of `edited` that differ from `base` (see ContactWrites.update). */
  update(id: string, edited: ContactInput, base?: Contact): boolean {
    return this.#writes.update(id, edited, base)
  }

  /** Moves a contact to the bin; `restore` undoes it. */
  delete(id: string): void {
    this.#writes.delete(id)
  }

  restore(id: string): void {
    this.#writes.restore(id)
  }

  /** Settles a conflicting field on `value` (see ContactWrites.resolve). */
  resolve(id: string, path: string, value: string): void {
    this.#writes.resolve(id, path, value)
  }

  /** Makes a contact of a member or nearby device, or returns the one already saved for it. */
  saveAsContact(known: KnownPeer): { id: string; created: boolean } {
    return this.#writes.saveAsContact(known)
  }

  close(): void {
    this.#closed = true
    this.#offs.forEach((off) => off?.())
    this.#provenance.close()
    void this.#list?.close()
    this.removeAllListeners()
  }

  #attach(handle: DocHandle<ContactsDoc>, options: ContactBookOptions): void {
    if (this.#closed) return
    this.#handle = handle
    this.#writer = new ChangeWriter({
      handle,
      clock: this.#clock,
      authorship: options.authorship,
    })
    const onChange = (payload: DocHandleChangePayload<ContactsDoc>) => this.#changed(payload)
    handle.on('change', onChange)
    this.#offs.push(() => handle.off('change', onChange))
  }

  /** Shows the stored list's rows until the document is read; returns whether there were any. */
  #preview(snapshot: { rows: Contact[] } | undefined): boolean {
    if (this.#closed || this.#loaded || !snapshot || snapshot.rows.length === 0) return false
    this.#previewing = true
    this.#views.show(snapshot.rows)
    this.#bump()
    return true
  }

  /** The document's state now, for the stored list (never the stored list's own rows). */
  #keepList(doc: ContactsDoc): void {
    if (this.#loaded) this.#list?.changed(getHeads(doc), () => this.#views.all())
  }

  #change(op: ChangeOp, ids: string[], fields: string[], fn: (d: ContactsDoc) => void): void {
    if (!this.#writer || (this.#previewing && !this.#loaded)) {
      throw new Error('The contact book is still loading.')
    }
    this.#writing = ids
    try {
      this.#writer.write({ by: this.self, op, contacts: ids, fields }, fn)
    } finally {
      this.#writing = undefined
    }
  }

  /** Reads the whole document (see ContactViews.readAll), then scans it for conflicts. */
  async #loadAll(): Promise<void> {
    const handle = this.#handle!
    const doc = () => handle.doc()
    let scanned: Promise<void> | undefined
    await this.#views.readAll(doc, this.#pacing, (ids) => {
      this.#loaded = true
      this.#bump()
      this.#keepList(doc())
      scanned = this.#views.scanAll(doc, ids, this.#pacing)
    })
    if (!scanned) return
    await scanned
    if (!this.#closed && this.#views.conflicted().length > 0) this.#bump()
  }

  #changed(change: { doc: ContactsDoc; patches: Patch[] }): void {
    const { doc } = change
    if (this.#closed || !this.#handle?.isReady()) return
    // This device's own change says what it wrote: its patches (built only when read, see
    // scripts/automerge-unread-patches.ts) cost more than the change itself on a big import.
    const touched = this.#writing
      ? this.#views.wrote(this.#writing)
      : this.#views.touched(doc, change.patches)
    if (this.#previewing && !this.#loaded) return
    const fresh = this.#views.log.update(doc)
    this.#keepList(doc)
    if (touched.size === 0) {
      // Only proofs (or nothing readable) arrived: verdicts may read otherwise.
      if (fresh > 0) this.#bump()
      return
    }
    for (const id of touched) this.#views.read(doc, id, !this.#writes.creating.has(id))
    this.#bump()
  }

  #bump(): void {
    this.#version++
    this.emit('change', undefined)
  }
}
