import { Repo } from '@automerge/automerge-repo'
import { afterEach } from 'vitest'
import { ContactBook } from '../../src/crdt/contacts/contact-book.ts'
import { initialContactsDoc, type ContactsDoc } from '../../src/crdt/contacts/contacts-doc.ts'

/**
 * Makes empty contact books, each on its own in-memory repo (no network, steps not deferred);
 * the repos are shut down after each test of the calling file. Call once, at the file's top.
 */
export function emptyContactBooks(): () => Promise<ContactBook> {
  const repos: Repo[] = []
  afterEach(async () => {
    await Promise.all(repos.splice(0).map((r) => r.shutdown()))
  })
  return async () => {
    const repo = new Repo({ network: [] })
    repos.push(repo)
    const book = new ContactBook({
      handle: repo.create<ContactsDoc>(initialContactsDoc()),
      self: 'peer-a',
      defer: (step) => step(),
    })
    await book.ready
    return book
  }
}
