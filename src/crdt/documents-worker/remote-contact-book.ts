import { Emitter } from '../../lib/emitter.ts'
import { nextTask } from '../../lib/next-task.ts'
import type { HistoryEntry } from '../contacts/change-log.ts'
import type {
  ContactBookApi,
  ContactBookEvents,
  ImportProgressOptions,
  ImportResult,
} from '../contacts/contact-book-api.ts'
import { parsePath, type FieldConflict } from '../contacts/contact-conflicts.ts'
import { planEdit } from '../contacts/contact-edit.ts'
import { randomContactId } from '../contacts/contact-id.ts'
import { ContactListKeeper, type ContactListOptions } from '../contacts/contact-list-keeper.ts'
import type { Contact, ContactInput } from '../contacts/contact-model.ts'
import { ContactIndex, type ContactQuery } from '../contacts/contact-search.ts'
import { ContactFeed } from '../contacts/contact-feed.ts'
import { contactFromPeer, type KnownPeer } from '../contacts/save-as-contact.ts'
import type { ContactDetails, ContactRowsUpdate, ContactsCall } from './contacts-worker-protocol.ts'
import { plain, type ContactsWorkerLink } from './contacts-worker-link.ts'
import { RemoteContactDetails } from './remote-contact-details.ts'

const LOAD_WAIT_MS = 10_000
/** Stored rows indexed per task (about 15 ms for 1,000 on a laptop). */
const PREVIEW_SLICE = 1000
/**
 * A workplace's contact book whose document is in the documents worker, as the page holds it:
 * the rows (every contact as the worker's book read it, kept by its updates) with a search index,
 * so lists, counts, tags and search answer at once; a contact's conflicts and history asked of
 * the worker when shown; and writes sent as calls. Its stored list shows until the worker has
 * loaded the document, as ContactBook's does.
 */
export class RemoteContactBook extends Emitter<ContactBookEvents> implements ContactBookApi {
  readonly self: string
  /** Resolves once the worker's book has read its document. */
  readonly ready: Promise<void>
  /** Resolves once the stored list was read: true if its rows are shown until the book loads. */
  readonly previewed: Promise<boolean>
  readonly #link: ContactsWorkerLink
  readonly #list: ContactListKeeper | undefined
  #contacts = new Map<string, Contact>()
  #index = new ContactIndex()
  /** While stored rows show: the worker's rows as they arrive, shown once all have. */
  #incoming: { contacts: Map<string, Contact>; index: ContactIndex } | undefined
  #conflicted: string[] = []
  readonly #details = new RemoteContactDetails(
    (id, limit) => this.#call({ method: 'details', id, limit }).reply,
    () => this.#bump(),
  )
  #previewing = false
  #loaded = false
  #opened = false
  #version = 0
  /** Grows with every batch of rows from the worker: details asked before are stale. */
  #rowsVersion = 0
  #closed = false
  #resolveReady: () => void = () => {}
  #rejectReady: (error: Error) => void = () => {}

  constructor(options: {
    self: string
    link: ContactsWorkerLink
    list?: ContactListOptions
    loadWaitMs?: number
  }) {
    super()
    this.self = options.self
    this.#link = options.link
    this.#list = options.list && new ContactListKeeper(options.list)
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    // A failure is reported once, by `failed`; whoever awaits `load` hears it too.
    this.ready.catch(() => {})
    this.previewed = this.#list
      ? this.#list.read().then((snapshot) => this.#preview(snapshot))
      : Promise.resolve(false)
    void this.previewed.then((rows) => {
      if (!rows) return this.#open()
      setTimeout(() => this.#open(), options.loadWaitMs ?? LOAD_WAIT_MS)
    })
  }

  get loaded(): boolean {
    return this.#loaded
  }

  get version(): number {
    return this.#version
  }

  load(): Promise<void> {
    this.#open()
    return this.ready
  }

  get(id: string): Contact | undefined {
    return this.#contacts.get(id)
  }

  search(query: ContactQuery = {}): Contact[] {
    return this.#index.search(query).map((id) => this.#contacts.get(id)!)
  }

  count(query: { deleted?: boolean } = {}): number {
    return this.#index.count(query.deleted ?? false)
  }

  tags(): { tag: string; count: number }[] {
    return this.#index.tagCounts()
  }

  conflicted(): string[] {
    return this.#conflicted
  }

  conflicts(id: string): FieldConflict[] {
    return this.#detailsOf(id)?.conflicts ?? []
  }

  history(id: string, limit = 20): HistoryEntry[] {
    return (this.#detailsOf(id, limit)?.history ?? []).slice(0, limit)
  }

  async signed(): Promise<void> {
    await this.#call({ method: 'signed' }).reply
  }

  add(input: ContactInput): string {
    this.#writable()
    const id = randomContactId()
    this.#send({ method: 'add', ids: [id], inputs: [plain(input)] })
    return id
  }

  update(id: string, edited: ContactInput, base?: Contact): boolean {
    const current = this.#require(id)
    if (planEdit(base ?? current, edited, randomContactId).length === 0) return false
    this.#send({
      method: 'update',
      id,
      edited: plain(edited),
      ...(base ? { base: plain(base) } : {}),
    })
    return true
  }

  delete(id: string): void {
    this.#require(id)
    this.#send({ method: 'delete', id })
  }

  restore(id: string): void {
    this.#require(id)
    this.#send({ method: 'restore', id })
  }

  resolve(id: string, path: string, value: string): void {
    this.#require(id)
    if (!parsePath(path)) throw new Error(`Not a contact field: ${path}`)
    this.#send({ method: 'resolve', id, path, value })
  }

  saveAsContact(known: KnownPeer): { id: string; created: boolean } {
    for (const contact of this.#contacts.values())
      if (contact.peer === known.peer && contact.deletedAt === null)
        return { id: contact.id, created: false }
    return { id: this.add(contactFromPeer(known, new Date())), created: true }
  }

  /** From a feed, the contacts are passed on to the worker as they arrive. */
  async importInBatches(
    contacts: readonly ContactInput[] | ContactFeed,
    options: ImportProgressOptions = {},
  ): Promise<ImportResult & { cancelled: boolean }> {
    await this.load()
    const { signal } = options
    const feed = contacts instanceof ContactFeed ? contacts : undefined
    const first = feed ? await feed.take(Infinity, signal) : [...(contacts as ContactInput[])]
    if (signal?.aborted) return { added: [], updated: [], skipped: 0, ids: [], cancelled: true }
    const total = feed ? feed.total : first.length
    const { id, reply } = this.#call(
      { method: 'import', contacts: first, total },
      options.onProgress,
    )
    // The pump stops on cancel, and once the worker answered (it stopped: the book closed).
    const stop = new AbortController()
    const cancel = () => {
      this.#link.cancel(id)
      stop.abort()
    }
    signal?.addEventListener('abort', cancel)
    reply.then(
      () => stop.abort(),
      () => stop.abort(),
    )
    try {
      for (let sent = first.length; feed && sent < total;) {
        const more = await feed.take(Infinity, stop.signal).catch((error: unknown) => {
          // The file could not be read to its end: what was written stays, as on cancel.
          cancel()
          reply.catch(() => {})
          throw error
        })
        if (more.length === 0) break
        this.#link.more(id, more)
        sent += more.length
      }
      return (await reply) as ImportResult & { cancelled: boolean }
    } finally {
      signal?.removeEventListener('abort', cancel)
    }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    void this.#list?.close()
    this.removeAllListeners()
    if (this.#opened) this.#link.close().catch(() => {})
  }

  /** Takes in rows from the worker (ContactRowsPublisher's updates). */
  apply(update: ContactRowsUpdate): void {
    if (this.#closed) return
    const into = this.#previewing
      ? (this.#incoming ??= { contacts: new Map(), index: new ContactIndex() })
      : { contacts: this.#contacts, index: this.#index }
    for (const row of update.rows) {
      into.contacts.set(row.id, row)
      into.index.set(row.id, row)
    }
    for (const id of update.removed) {
      into.contacts.delete(id)
      into.index.set(id, undefined)
    }
    if (!update.final) return
    if (this.#incoming && update.loaded) {
      // The stored list's rows go: from now on every row is the worker's.
      this.#contacts = this.#incoming.contacts
      this.#index = this.#incoming.index
      this.#incoming = undefined
      this.#previewing = false
    }
    if (update.conflicted) this.#conflicted = update.conflicted
    this.#rowsVersion++
    if (update.loaded && !this.#loaded) {
      this.#loaded = true
      this.#resolveReady()
    }
    if (this.#loaded && update.heads)
      this.#list?.changed(update.heads, () => this.#contacts.values())
    this.#bump()
  }

  /** The worker could not open the book. */
  failed(error: Error): void {
    console.error('the contact book did not load', error)
    this.#rejectReady(error)
  }

  #open(): void {
    if (this.#opened || this.#closed) return
    this.#opened = true
    this.#link.open()
  }

  /**
   * Shows the stored list's rows, indexed in slices with a pause between (indexing 10,000 at
   * once held the page for a few hundred milliseconds); resolves whether there were any.
   */
  async #preview(snapshot: { rows: Contact[] } | undefined): Promise<boolean> {
    if (this.#closed || this.#loaded || !snapshot || snapshot.rows.length === 0) return false
    const contacts = new Map<string, Contact>()
    const index = new ContactIndex()
    const { rows } = snapshot
    for (let i = 0; i < rows.length; i += PREVIEW_SLICE) {
      if (i > 0) await nextTask()
      if (this.#closed || this.#loaded) return false
      for (const contact of rows.slice(i, i + PREVIEW_SLICE)) {
        contacts.set(contact.id, contact)
        index.set(contact.id, contact)
      }
    }
    this.#previewing = true
    this.#contacts = contacts
    this.#index = index
    this.#bump()
    return true
  }

  #detailsOf(id: string, limit?: number): ContactDetails | undefined {
    return this.#details.of(id, this.#contacts.has(id), this.#rowsVersion, limit)
  }

  #require(id: string): Contact {
    this.#writable()
    const contact = this.#contacts.get(id)
    if (!contact) throw new Error('No such contact.')
    return contact
  }

  #writable(): void {
    if (this.#previewing && !this.#loaded) throw new Error('The contact book is still loading.')
  }

  #call(call: ContactsCall, progress?: (done: number, total: number) => void) {
    this.#open()
    return this.#link.call(call, progress)
  }

  /** A write: its effect shows with the worker's next rows; a failure is reported. */
  #send(call: ContactsCall): void {
    this.#call(call).reply.catch((error: unknown) =>
      console.error(`the contact book could not ${call.method}`, error),
    )
  }

  #bump(): void {
    this.#version++
    this.emit('change', undefined)
  }
}
