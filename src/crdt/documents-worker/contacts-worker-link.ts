import type { ContactInput } from '../contacts/contact-model.ts'
import type { ContactsCall } from './contacts-worker-protocol.ts'

/**
 * A contact as plain data that a port can carry: what a form gives may be wrapped in the UI's
 * reactive proxies, which cannot be cloned. (Contacts hold only text, numbers and lists.)
 */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** How the book reaches its worker (DocumentsWorkerHost gives these). */
export interface ContactsWorkerLink {
  /** Opens the book in the worker (its document loads there). */
  open(): void
  /** Sends a call; `progress` hears an import's batches. Returns the reply and the call's ID. */
  call(
    call: ContactsCall,
    progress?: (done: number, total: number) => void,
  ): { id: number; reply: Promise<unknown> }
  /** The next contacts of the import that call `id` runs (one sent with a `total`). */
  more(id: number, contacts: ContactInput[]): void
  cancel(id: number): void
  close(): Promise<void>
}
