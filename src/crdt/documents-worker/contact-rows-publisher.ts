import type { Contact } from '../contacts/contact-model.ts'
import type { ContactRowsUpdate } from './contacts-worker-protocol.ts'

/** Rows per message: one message is one task on the page (about 10 ms for 500 rows). */
const PAGE_ROWS = 500

/** What the publisher reads of the book (ContactBook satisfies it). */
export interface PublishedBook {
  readonly loaded: boolean
  all(): Iterable<Contact>
  conflicted(): string[]
  on(event: 'change', listener: () => void): () => void
}

/**
 * Sends the page the rows of a book in the worker that changed since it last sent them, once
 * the book has read its document: a row is sent again only when the book holds a new object for
 * it (the book reads a contact into a new object whenever a change touches it). Changes that
 * come quickly (an import's batches) are sent together, after the current task.
 */
export class ContactRowsPublisher {
  readonly #book: PublishedBook
  readonly #heads: () => string[] | undefined
  readonly #send: (update: ContactRowsUpdate) => void
  readonly #sent = new Map<string, Contact>()
  #scheduled = false
  /** The book changed since the last update (a proof or verdict changes no row, but details). */
  #dirty = true
  #closed = false
  readonly #off: () => void

  constructor(
    book: PublishedBook,
    heads: () => string[] | undefined,
    send: (update: ContactRowsUpdate) => void,
  ) {
    this.#book = book
    this.#heads = heads
    this.#send = send
    this.#off = book.on('change', () => {
      this.#dirty = true
      this.#schedule()
    })
  }

  /**
   * Sends what changed now (a call's effect is on the page before its reply); nothing when the
   * book did not change since the last update.
   */
  flush(): void {
    if (this.#closed || !this.#book.loaded || !this.#dirty) return
    this.#dirty = false
    const rows: Contact[] = []
    const present = new Set<string>()
    for (const contact of this.#book.all()) {
      present.add(contact.id)
      if (this.#sent.get(contact.id) === contact) continue
      this.#sent.set(contact.id, contact)
      rows.push(contact)
    }
    const removed: string[] = []
    for (const id of this.#sent.keys()) if (!present.has(id)) removed.push(id)
    for (const id of removed) this.#sent.delete(id)
    for (let i = 0; i + PAGE_ROWS < rows.length; i += PAGE_ROWS) {
      this.#send({ rows: rows.slice(i, i + PAGE_ROWS), removed: [], final: false, loaded: true })
    }
    const heads = this.#heads()
    this.#send({
      rows: rows.slice(Math.floor(Math.max(rows.length - 1, 0) / PAGE_ROWS) * PAGE_ROWS),
      removed,
      final: true,
      loaded: true,
      // Sent even when no row changed: the book did, so a contact's details may have.
      conflicted: this.#book.conflicted(),
      ...(heads ? { heads } : {}),
    })
  }

  close(): void {
    this.#closed = true
    this.#off()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setTimeout(() => {
      this.#scheduled = false
      this.flush()
    }, 0)
  }
}
