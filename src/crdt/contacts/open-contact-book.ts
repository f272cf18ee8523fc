import type { DocHandle } from '@automerge/automerge-repo'
import type { Authorship } from '../authorship/authorship.ts'
import { ContactBook, type ContactBookOptions } from './contact-book.ts'
import { CONTACTS_DOC_KIND, type ContactsDoc } from './contacts-doc.ts'

/** What openContactBook needs of a workplace (Workplace satisfies it). */
export interface ContactsHost {
  readonly self: string
  /** Signs this member's changes and judges everyone's. */
  readonly authorship: Authorship
  openDoc<T>(key: string): Promise<DocHandle<T>>
}

/**
 * Opens a workplace's contact book. The caller closes it when the workplace view goes away.
 * Needs `[CONTACTS_DOC_KIND, initialContactsDoc]` in the workplace stack's `kinds`.
 */
export async function openContactBook(
  workplace: ContactsHost,
  options: Omit<ContactBookOptions, 'handle' | 'self' | 'authorship'> = {},
): Promise<ContactBook> {
  const handle = await workplace.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
  return new ContactBook({
    ...options,
    handle,
    self: workplace.self,
    authorship: workplace.authorship,
  })
}
