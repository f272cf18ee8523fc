import type { ContactListOptions } from '../contacts/contact-list-keeper.ts'
import type { Workplace } from '../workplace/workplace.ts'
import { checkFromContactsWorker } from './contacts-worker-protocol.ts'
import type { HostChannel } from './hosted-chats.ts'
import { fromPortError, type FromDocumentsWorker } from './documents-worker-protocol.ts'
import { RemoteContactBook } from './remote-contact-book.ts'

/**
 * The page's side of the contact books held in the documents worker: one RemoteContactBook per
 * workplace, and the contact book's part of the worker's messages, checked before use.
 */
export class HostedContacts {
  readonly #channel: HostChannel
  readonly #open = new Map<string, { book: RemoteContactBook; number: number }>()
  /** Imports under way: their progress, by call ID. */
  readonly #progress = new Map<number, (done: number, total: number) => void>()
  #next = 1

  constructor(channel: HostChannel) {
    this.#channel = channel
  }

  /**
   * The contact book of a workplace, its document loaded in the worker (at once, or once the
   * book is asked to load when its stored list in `list` shows meanwhile).
   */
  book(workplace: Workplace, list?: ContactListOptions): RemoteContactBook {
    const open = this.#open.get(workplace.id)
    if (open) return open.book
    const channel = this.#channel
    const id = workplace.id
    const number = this.#next++
    const book = new RemoteContactBook({
      self: workplace.self,
      ...(list ? { list } : {}),
      link: {
        open: () => {
          channel.tell(workplace)
          channel.post({ t: 'contacts-open', workplace: id, book: number })
        },
        call: (call, progress) => {
          let callId = 0
          const reply = channel.call((n) => {
            callId = n
            if (progress) this.#progress.set(n, progress)
            channel.post({ t: 'contacts-call', id: n, workplace: id, call })
          })
          void reply.finally(() => this.#progress.delete(callId)).catch(() => {})
          return { id: callId, reply }
        },
        more: (n, contacts) => channel.post({ t: 'contacts-import-more', id: n, contacts }),
        cancel: (n) => channel.post({ t: 'contacts-cancel', id: n }),
        close: async () => {
          if (this.#open.get(id)?.book === book) this.#open.delete(id)
          await channel.call((n) => channel.post({ t: 'contacts-close', id: n, workplace: id }))
        },
      },
    })
    this.#open.set(id, { book, number })
    return book
  }

  /** A message of the contact book's part of the protocol, checked before it is used. */
  receive(raw: FromDocumentsWorker): void {
    let message
    try {
      message = checkFromContactsWorker(raw as unknown as Record<string, unknown>)
    } catch (error) {
      return console.error(String(error))
    }
    switch (message.t) {
      case 'contacts-rows':
        return this.#bookOf(message.workplace, message.book)?.apply(message.update)
      case 'contacts-progress':
        return this.#progress.get(message.id)?.(message.done, message.total)
      case 'contacts-failed':
        return this.#bookOf(message.workplace, message.book)?.failed(fromPortError(message.error))
    }
  }

  /** The worker failed: every open book hears it. */
  failAll(error: Error): void {
    for (const { book } of this.#open.values()) book.failed(error)
  }

  clear(): void {
    this.#open.clear()
  }

  /** The open book a message is about (none if that opening was closed since). */
  #bookOf(workplace: string, number: number): RemoteContactBook | undefined {
    const open = this.#open.get(workplace)
    return open?.number === number ? open.book : undefined
  }
}
