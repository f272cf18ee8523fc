import type { ContactListStore } from '../crdt/contacts/contact-list-store.ts'

/** What forgetting stored contact lists needs of the app (WorkplacesApp satisfies it). */
export interface ContactListsApp {
  list(): readonly { id: string }[]
  on(event: 'change', listener: () => void): () => void
}

/**
 * Forgets the stored contact list (contact-list-store.ts) of every workplace this device no
 * longer holds, now and whenever the workplaces change: a workplace left takes its contacts'
 * names with it. Returns the unsubscribe.
 */
export function forgetLeftContactLists(app: ContactListsApp, lists: ContactListStore): () => void {
  const sweep = () => {
    const held = new Set(app.list().map((wp) => wp.id))
    lists
      .books()
      .then((books) => Promise.all(books.filter((b) => !held.has(b)).map((b) => lists.delete(b))))
      .catch((error: unknown) => console.warn('stored contact lists not forgotten', error))
  }
  sweep()
  return app.on('change', sweep)
}
