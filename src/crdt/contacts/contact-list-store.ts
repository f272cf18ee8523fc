import { openDB, type IDBPDatabase } from 'idb'
import { nextTask } from '../../lib/next-task.ts'
import type { SummarySealer } from '../workplace/summary-store.ts'
import { checkListRow } from './contact-list-rows.ts'
import type { Contact } from './contact-model.ts'

/**
 * What this device keeps of a contact book's list between visits, so the Contacts tab paints
 * before Automerge has loaded the book's document: the contacts as the book last read them from
 * the document, and the document's heads then. Derived data, private to this device: the book
 * writes it only from what it read in the document, and the document stays the source of truth
 * (once loaded, the book reads every contact from it again).
 */
export interface ContactListSnapshot {
  heads: string[]
  rows: Contact[]
}

export interface ContactListStore {
  /** The last snapshot of a book (by its document's ID), rows checked; undefined if none. */
  read(book: string): Promise<ContactListSnapshot | undefined>
  /** Replaces a book's snapshot; `pause` runs between pages so no write holds the thread. */
  write(book: string, snapshot: ContactListSnapshot, pause?: () => Promise<void>): Promise<void>
  /** The books that have a snapshot. */
  books(): Promise<string[]>
  /** Forgets a book's snapshot (its workplace was left). */
  delete(book: string): Promise<void>
}

/** The database's name (listed with the app's databases for backup, restore and erase). */
export const CONTACT_LIST_DATABASE = 'peerplace-contact-lists'
const STORE = 'pages'
/** Rows per stored page: each page is written (and sealed) in a task of its own. */
const PAGE_ROWS = 500

interface Head {
  generation: number
  pages: number
  heads: string[]
}

const headKey = (book: string) => `${book}/head`
const pageKey = (book: string, generation: number, page: number) => `${book}/${generation}/${page}`

/** Keeps the checked rows of a snapshot read back. */
function checked(heads: unknown, rows: unknown[]): ContactListSnapshot | undefined {
  if (!Array.isArray(heads) || !heads.every((h) => typeof h === 'string')) return undefined
  const kept: Contact[] = []
  for (const row of rows) {
    const contact = checkListRow(row)
    if (contact) kept.push(contact)
  }
  return { heads: heads as string[], rows: kept }
}

export function createMemoryContactListStore(): ContactListStore & { writes: number } {
  const books = new Map<string, ContactListSnapshot>()
  const store = {
    writes: 0,
    read: async (book: string) => {
      const snapshot = books.get(book)
      return snapshot && checked(snapshot.heads, structuredClone(snapshot.rows))
    },
    write: async (book: string, snapshot: ContactListSnapshot) => {
      store.writes++
      books.set(book, structuredClone(snapshot))
    },
    books: async () => [...books.keys()],
    delete: async (book: string) => void books.delete(book),
  }
  return store
}

/**
 * Snapshots in IndexedDB, in pages of a generation: a new snapshot is written as the next
 * generation and then named in the book's head, so a reader never sees half of two. With the
 * storage lock on, each value is sealed through the vault; turning the lock on or off drops the
 * snapshots (`reseal`), which the books write again when next opened.
 */
export function createIndexedDbContactListStore(
  vault: SummarySealer,
  name = CONTACT_LIST_DATABASE,
): ContactListStore & {
  reseal(onProgress?: (done: number, total: number) => void): Promise<void>
} {
  let db: Promise<IDBPDatabase> | undefined
  const open = () =>
    (db ??= openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore(STORE)
      },
    }))
  const encode = async (key: string, value: unknown): Promise<unknown> => {
    if (!vault.sealing) return value
    const bytes = new TextEncoder().encode(JSON.stringify(value))
    return { sealed: await vault.seal(`contact-list:${key}`, bytes) }
  }
  const decode = async (key: string, stored: unknown): Promise<unknown> => {
    const sealed = (stored as { sealed?: unknown } | undefined)?.sealed
    if (!(sealed instanceof Uint8Array)) return stored
    const bytes = await vault.read(`contact-list:${key}`, sealed)
    return JSON.parse(new TextDecoder().decode(bytes))
  }
  const readHead = async (database: IDBPDatabase, book: string): Promise<Head | undefined> => {
    const head = (await decode(headKey(book), await database.get(STORE, headKey(book)))) as
      Partial<Head> | undefined
    if (!head || !Number.isInteger(head.generation) || !Number.isInteger(head.pages)) {
      return undefined
    }
    return head as Head
  }
  return {
    async read(book) {
      try {
        const database = await open()
        // Head and pages in one transaction: a write finishing meanwhile (another tab, or a
        // page closing) cannot take the pages away between them. Unsealing follows it.
        const range = IDBKeyRange.bound(`${book}/`, `${book}/~`)
        const tx = database.transaction(STORE)
        const [keys, values] = await Promise.all([
          tx.store.getAllKeys(range) as Promise<string[]>,
          tx.store.getAll(range) as Promise<unknown[]>,
        ])
        const stored = new Map(keys.map((key, i) => [key, values[i]]))
        const head = (await decode(headKey(book), stored.get(headKey(book)))) as
          Partial<Head> | undefined
        if (!head || !Number.isInteger(head.generation) || !Number.isInteger(head.pages)) {
          return undefined
        }
        const rows: Contact[] = []
        for (let page = 0; page < head.pages!; page++) {
          const key = pageKey(book, head.generation!, page)
          const value = await decode(key, stored.get(key))
          if (!Array.isArray(value)) return undefined
          // Checked page by page, each in a task of its own (a big book's rows took long).
          if (page > 0) await nextTask()
          const checkedPage = checked(head.heads, value as unknown[])
          if (!checkedPage) return undefined
          rows.push(...checkedPage.rows)
        }
        return { heads: head.heads as string[], rows }
      } catch (error) {
        // Derived data: a snapshot that does not open is left out, and written again.
        console.warn('the stored contact list could not be read', error)
        return undefined
      }
    },
    async write(book, snapshot, pause) {
      const database = await open()
      const old = await readHead(database, book).catch(() => undefined)
      const generation = (old?.generation ?? 0) + 1
      const pages = Math.ceil(snapshot.rows.length / PAGE_ROWS)
      for (let page = 0; page < pages; page++) {
        const key = pageKey(book, generation, page)
        const rows = snapshot.rows.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS)
        await database.put(STORE, await encode(key, rows), key)
        if (pause && page + 1 < pages) await pause()
      }
      const head: Head = { generation, pages, heads: snapshot.heads }
      await database.put(STORE, await encode(headKey(book), head), headKey(book))
      // Every other generation goes: the last one, and any a write cut short left behind.
      const kept = `${book}/${generation}/`
      const keys = (await database.getAllKeys(
        STORE,
        IDBKeyRange.bound(`${book}/`, `${book}/~`),
      )) as string[]
      const stale = keys.filter((key) => key !== headKey(book) && !key.startsWith(kept))
      if (stale.length > 0) {
        const tx = database.transaction(STORE, 'readwrite')
        await Promise.all([...stale.map((key) => tx.store.delete(key)), tx.done])
      }
    },
    async books() {
      const keys = (await (await open()).getAllKeys(STORE)) as string[]
      return keys.filter((key) => key.endsWith('/head')).map((key) => key.slice(0, -'/head'.length))
    },
    async delete(book) {
      const database = await open()
      await database.delete(STORE, headKey(book))
      await database.delete(STORE, IDBKeyRange.bound(`${book}/`, `${book}/~`))
    },
    async reseal(onProgress) {
      await (await open()).clear(STORE)
      onProgress?.(1, 1)
    },
  }
}
