import type { DocHandle } from '@automerge/automerge-repo'
import type { Authorship } from '../authorship/authorship.ts'
import { ContactBook, type ContactBookOptions } from './contact-book.ts'
import type { ContactListStore } from './contact-list-store.ts'
import { CONTACTS_DOC_KIND, type ContactsDoc } from './contacts-doc.ts'

/** What openContactBook needs of a workplace (Workplace satisfies it). */
export interface ContactsHost {
  readonly id: string
  readonly self: string
  /** Signs this member's changes and judges everyone's. */
  readonly authorship: Authorship
  openDoc<T>(key: string): Promise<DocHandle<T>>
}

/**
 * Opens a workplace's contact book. The caller closes it when the workplace view goes away.
 * Needs `[CONTACTS_DOC_KIND, initialContactsDoc]` in the workplace stack's `kinds`.
 *
 * With `lists` (this device's stored contact lists), a book whose list was stored before is
 * returned at once, showing that list while its document loads; otherwise once its document
 * is open, as without.
 */
export async function openContactBook(
  workplace: ContactsHost,
  options: Omit<ContactBookOptions, 'handle' | 'self' | 'authorship' | 'list'> & {
    lists?: ContactListStore
  } = {},
): Promise<ContactBook> {
  const { lists, ...rest } = options
  const book = new ContactBook({
    ...rest,
    handle: () => workplace.openDoc<ContactsDoc>(CONTACTS_DOC_KIND),
    self: workplace.self,
    authorship: workplace.authorship,
    ...(lists ? { list: { store: lists, key: workplace.id } } : {}),
  })
  if (await book.previewed) {
    book.ready.catch((error: unknown) => console.error('the contact book did not load', error))
  } else {
    await book.opened.catch((error: unknown) => {
      book.ready.catch(() => {}) // The same failure, thrown here.
      book.close()
      throw error
    })
  }
  return book
}
