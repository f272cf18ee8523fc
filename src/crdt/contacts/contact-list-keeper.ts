import { nextTask } from '../../lib/next-task.ts'
import { listRow } from './contact-list-rows.ts'
import type { ContactListSnapshot, ContactListStore } from './contact-list-store.ts'
import type { Contact } from './contact-model.ts'

export interface ContactListOptions {
  store: ContactListStore
  /** Which book (the workplace's ID). */
  key: string
  /** How long after the last change the snapshot is written (a busy import changes often). */
  delayMs?: number
  /** Runs between the pages of a write (the next task by default). */
  pause?: () => Promise<void>
}

const DEFAULT_DELAY_MS = 2000

/**
 * Keeps a contact book's stored list (contact-list-store.ts) up to date: it reads the last
 * snapshot for the book to show before its document loads, and writes a new one a while after
 * the document last changed. It is told the document's state only by the book, which reads it
 * from the loaded document; a snapshot read back is never written again as it is.
 */
export class ContactListKeeper {
  readonly #options: ContactListOptions
  /** The heads of the snapshot stored now, as far as this keeper knows. */
  #storedHeads: string | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #latest: (() => ContactListSnapshot) | undefined
  #writing: Promise<void> = Promise.resolve()
  #closed = false

  constructor(options: ContactListOptions) {
    this.#options = options
  }

  /** The stored snapshot, if any (undefined also when it could not be read). */
  async read(): Promise<ContactListSnapshot | undefined> {
    const snapshot = await this.#options.store.read(this.#options.key).catch(() => undefined)
    if (snapshot) this.#storedHeads ??= snapshot.heads.join()
    return snapshot
  }

  /**
   * The document now reads as `contacts` at `heads`: written after a quiet while, unless the
   * stored snapshot has those heads already. `contacts` is called only when writing.
   */
  changed(heads: string[], contacts: () => Iterable<Contact>): void {
    if (this.#closed) return
    this.#latest = () => ({ heads, rows: [...contacts()].map(listRow) })
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.flush(), this.#options.delayMs ?? DEFAULT_DELAY_MS)
  }

  /** Writes the latest state now (if it is not what is stored); resolves once written. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const latest = this.#latest
    this.#latest = undefined
    if (!latest) return this.#writing
    this.#writing = this.#writing.then(async () => {
      const snapshot = latest()
      const heads = snapshot.heads.join()
      if (heads === this.#storedHeads) return
      await this.#options.store.write(this.#options.key, snapshot, this.#options.pause ?? nextTask)
      this.#storedHeads = heads
    })
    this.#writing = this.#writing.catch((error: unknown) => {
      console.warn('the contact list was not stored', error)
    })
    return this.#writing
  }

  /** Writes what is pending and stops. */
  close(): Promise<void> {
    const done = this.flush()
    this.#closed = true
    return done
  }
}
