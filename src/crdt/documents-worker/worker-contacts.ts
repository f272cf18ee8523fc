import { getHeads } from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import { ContactBook } from '../contacts/contact-book.ts'
import { ContactFeed } from '../contacts/contact-feed.ts'
import type { ContactInput } from '../contacts/contact-model.ts'
import { CONTACTS_DOC_KIND, type ContactsDoc } from '../contacts/contacts-doc.ts'
import { ContactRowsPublisher } from './contact-rows-publisher.ts'
import type { ContactDetails, ContactRowsUpdate, ContactsCall } from './contacts-worker-protocol.ts'
import type { WorkerWorkplace } from './worker-workplace.ts'

/**
 * How long one import batch may take in the worker: nothing there waits for input, but a pause
 * between batches lets storage replies, sync messages and the rows for the page through. Each
 * batch is a change with its own proof, save and rows for the page, so fewer, bigger batches
 * cost less in all.
 */
const IMPORT_BUDGET_MS = 300
/** The first batch (cold code): small enough for the first rows to show soon. */
const IMPORT_FIRST_BATCH = 100

interface RunningImport {
  workplace: string
  abort: AbortController
  /** The import's contacts; those after the first come in `more`. */
  feed: ContactFeed
}

interface OpenBook {
  book: ContactBook
  publisher: ContactRowsPublisher
  handle?: DocHandle<ContactsDoc>
}

/**
 * The contact books held in the documents worker: each a ContactBook over the worker's repo
 * (its change proofs signed by the page, its writers judged by the workplace's snapshot), with
 * a publisher sending the page the rows that changed.
 */
export class WorkerContacts {
  readonly #books = new Map<string, OpenBook>()
  readonly #imports = new Map<number, RunningImport>()
  readonly #rows: (workplace: string, book: number, update: ContactRowsUpdate) => void
  readonly #failed: (workplace: string, book: number, error: unknown) => void
  readonly #opened: (workplace: string) => void

  constructor(options: {
    rows: (workplace: string, book: number, update: ContactRowsUpdate) => void
    failed: (workplace: string, book: number, error: unknown) => void
    /** A book's document is open (for the workplace's sync status). */
    opened: (workplace: string) => void
  }) {
    this.#rows = options.rows
    this.#failed = options.failed
    this.#opened = options.opened
  }

  /** The open books' documents of a workplace. */
  handles(workplace: string): DocHandle<unknown>[] {
    const handle = this.#books.get(workplace)?.handle
    return handle ? [handle as DocHandle<unknown>] : []
  }

  /** Opens and loads a workplace's book (once); `number` names this opening to the page. */
  open(workplace: WorkerWorkplace, number: number): void {
    if (this.#books.has(workplace.id)) return
    const book = new ContactBook({
      handle: async () => {
        const handle = await workplace.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
        open.handle = handle
        this.#opened(workplace.id)
        return handle
      },
      self: workplace.self,
      authorship: workplace.authorship,
    })
    const publisher = new ContactRowsPublisher(
      book,
      () => (open.handle?.isReady() ? getHeads(open.handle.doc()) : undefined),
      (update) => this.#rows(workplace.id, number, update),
    )
    const open: OpenBook = { book, publisher }
    this.#books.set(workplace.id, open)
    book.ready.then(
      () => publisher.flush(),
      (error: unknown) => {
        this.#failed(workplace.id, number, error)
        void this.close(workplace.id)
      },
    )
  }

  /** Does what the page asked; what it changed is sent before this resolves. */
  async call(
    workplace: string,
    id: number,
    call: ContactsCall,
    progress: (done: number, total: number) => void,
  ): Promise<unknown> {
    const open = this.#books.get(workplace)
    if (!open) throw new Error(`no contact book open for workplace ${workplace}`)
    const { book, publisher } = open
    // Registered before any wait: the import's further contacts may come meanwhile.
    let running: RunningImport | undefined
    if (call.method === 'import') {
      running = {
        workplace,
        abort: new AbortController(),
        feed: new ContactFeed(call.total ?? call.contacts.length),
      }
      running.feed.push(call.contacts)
      this.#imports.set(id, running)
    }
    try {
      await book.load()
    } catch (error) {
      this.#imports.delete(id)
      throw error
    }
    let value: unknown
    switch (call.method) {
      case 'add':
        value = book.addMany(call.inputs, call.inputs.length === 1 ? 'add' : 'import', call.ids)
        break
      case 'update':
        value = book.update(call.id, call.edited, call.base)
        break
      case 'delete':
        book.delete(call.id)
        break
      case 'restore':
        book.restore(call.id)
        break
      case 'resolve':
        book.resolve(call.id, call.path, call.value)
        break
      case 'import': {
        const { abort, feed } = running!
        try {
          value = await book.importInBatches(feed, {
            signal: abort.signal,
            onProgress: (done, total) => {
              publisher.flush()
              progress(done, total)
            },
            budgetMs: IMPORT_BUDGET_MS,
            firstBatch: IMPORT_FIRST_BATCH,
          })
        } finally {
          this.#imports.delete(id)
        }
        break
      }
      case 'details':
        value = {
          conflicts: book.conflicts(call.id),
          history: book.history(call.id, call.limit),
        } satisfies ContactDetails
        break
      case 'signed':
        await book.signed()
        break
    }
    publisher.flush()
    return value
  }

  /** The next contacts of an import; more than it announced stops it. */
  more(id: number, contacts: ContactInput[]): void {
    const running = this.#imports.get(id)
    if (!running) return
    try {
      running.feed.push(contacts)
    } catch (error) {
      console.warn(`contacts import ${id}: ${String(error)}`)
      running.abort.abort()
    }
  }

  /** Stops an import (before its next batch). */
  cancel(id: number): void {
    this.#imports.get(id)?.abort.abort()
  }

  async close(workplace: string): Promise<void> {
    const open = this.#books.get(workplace)
    if (!open) return
    this.#books.delete(workplace)
    // An import still waiting for contacts the page will not send now stops.
    for (const running of this.#imports.values())
      if (running.workplace === workplace) running.abort.abort()
    open.publisher.close()
    await open.book.signed()
    open.book.close()
  }

  async closeAll(): Promise<void> {
    for (const workplace of [...this.#books.keys()]) await this.close(workplace)
  }
}
