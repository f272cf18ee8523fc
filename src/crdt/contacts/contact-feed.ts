import type { ContactInput } from './contact-model.ts'

/**
 * The contacts of one import as they arrive, in file order: a big file's cards are read in
 * chunks while the first are already being written. `total` is known up front (the file was
 * checked whole before any card was read), so progress can say "n of total". One reader takes
 * from it.
 */
export class ContactFeed {
  readonly total: number
  #items: ContactInput[] = []
  #start = 0
  #received = 0
  #error: unknown
  #wake: (() => void) | undefined

  constructor(total: number) {
    if (!Number.isSafeInteger(total) || total < 0) throw new Error(`not a contact count: ${total}`)
    this.total = total
  }

  /** A feed of contacts that are all here. */
  static of(contacts: readonly ContactInput[]): ContactFeed {
    const feed = new ContactFeed(contacts.length)
    feed.push(contacts)
    return feed
  }

  /** How many contacts have arrived so far. */
  get received(): number {
    return this.#received
  }

  /** The next contacts, in order; more than `total` is refused. */
  push(contacts: readonly ContactInput[]): void {
    if (this.#received + contacts.length > this.total)
      throw new Error(`more contacts than the ${this.total} announced`)
    for (const contact of contacts) this.#items.push(contact)
    this.#received += contacts.length
    this.#wakeUp()
  }

  /** The contacts will not all come: whoever waits for more hears `error`. */
  fail(error: unknown): void {
    this.#error ??= error
    this.#wakeUp()
  }

  /**
   * Up to `max` of the contacts that have arrived and were not taken yet, waiting for some when
   * none are here; [] once all were taken, or when `signal` aborts first.
   */
  async take(max: number, signal?: AbortSignal): Promise<ContactInput[]> {
    while (this.#start === this.#items.length) {
      if (this.#received === this.total || signal?.aborted) return []
      if (this.#error !== undefined) throw this.#error
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done)
          this.#wake = undefined
          resolve()
        }
        this.#wake = done
        signal?.addEventListener('abort', done)
      })
    }
    const taken = this.#items.slice(this.#start, this.#start + max)
    this.#start += taken.length
    if (this.#start === this.#items.length) {
      this.#items = []
      this.#start = 0
    }
    return taken
  }

  #wakeUp(): void {
    this.#wake?.()
  }
}
