/**
 * The contact list this device stores beside a book's document (contact-list-store.ts): the
 * Contacts tab shows it before the document is loaded, it follows the document (local and
 * remote changes), and nothing but what the book read in the document is ever written to it.
 */
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { Repo, type DocHandle } from '@automerge/automerge-repo'
import { getHeads } from '@automerge/automerge'
import { ContactBook } from '../../src/crdt/contacts/contact-book.ts'
import {
  createIndexedDbContactListStore,
  createMemoryContactListStore,
  type ContactListStore,
} from '../../src/crdt/contacts/contact-list-store.ts'
import { emptyContact, type Contact } from '../../src/crdt/contacts/contact-model.ts'
import {
  initialContactsDoc,
  stored,
  type ContactsDoc,
} from '../../src/crdt/contacts/contacts-doc.ts'
import { NO_SEALING } from '../../src/crdt/workplace/summary-store.ts'
import { createVaultKey, Vault } from '../../src/vault/vault.ts'
import { openDB } from 'idb'
import { until } from '../support/until.ts'
import { forgetLeftContactLists } from '../../src/app/contact-lists.ts'
import { Emitter } from '../../src/lib/emitter.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function repo(): Repo {
  const r = new Repo({ network: [] })
  cleanup.push(() => r.shutdown())
  return r
}

function open(
  handle: DocHandle<ContactsDoc> | (() => Promise<DocHandle<ContactsDoc>>),
  store: ContactListStore,
  self = 'peer-a',
): ContactBook {
  const book = new ContactBook({
    handle,
    self,
    defer: (step) => step(),
    list: { store, key: 'wp1', delayMs: 10, pause: async () => {} },
  })
  cleanup.push(() => book.close())
  return book
}

const row = (id: string, given: string): Contact => ({ ...emptyContact(id), given })

describe('the stored contact list', () => {
  it('shows the stored rows before the document loads, read-only, and the document after', async () => {
    const store = createMemoryContactListStore()
    await store.write('wp1', { heads: ['x'], rows: [row('a1', 'Ann'), row('g1', 'Gone')] })
    const handle = repo().create<ContactsDoc>(initialContactsDoc())
    const id = new ContactBook({ handle, self: 'peer-a' }).add({ given: 'Bob' })
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const book = open(async () => {
      await held
      return handle
    }, store)

    expect(await book.previewed).toBe(true)
    expect(book.loaded).toBe(false)
    expect(book.search().map((c) => c.given)).toEqual(['Ann', 'Gone'])
    expect(book.count()).toBe(2)
    expect(() => book.add({ given: 'Cy' })).toThrow(/still loading/)

    book.load()
    release()
    await book.ready
    // Only what the document holds: the stored rows are gone.
    expect(book.loaded).toBe(true)
    expect(book.search().map((c) => c.id)).toEqual([id])
  })

  it('opens the document once the stored rows are on screen (or it is needed, or after a wait)', async () => {
    const store = createMemoryContactListStore()
    await store.write('wp1', { heads: ['x'], rows: [row('a1', 'Ann')] })
    const handle = repo().create<ContactsDoc>(initialContactsDoc())
    let opened = 0
    const book = new ContactBook({
      handle: async () => {
        opened++
        return handle
      },
      self: 'peer-a',
      list: { store, key: 'wp1' },
      loadWaitMs: 60_000,
    })
    cleanup.push(() => book.close())
    await book.previewed
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(opened).toBe(0)
    book.load()
    await book.ready
    expect(opened).toBe(1)
  })

  it('reads a big book in chunks, the stored rows shown until the last, keeping changes made meanwhile', async () => {
    const handle = repo().create<ContactsDoc>(initialContactsDoc())
    const writer = new ContactBook({ handle, self: 'peer-a' })
    writer.addMany(Array.from({ length: 700 }, (_, i) => ({ given: `G${i}` })))
    writer.close()
    const store = createMemoryContactListStore()
    await store.write('wp1', { heads: ['x'], rows: [row('a1', 'Ann')] })
    const steps: (() => void)[] = []
    const book = new ContactBook({
      handle: async () => handle,
      self: 'peer-a',
      defer: (step) => steps.push(step),
      list: { store, key: 'wp1' },
    })
    cleanup.push(() => book.close())
    expect(await book.previewed).toBe(true)
    void book.load()
    await until(() => steps.length > 0, 'the first chunk read')
    // Between chunks: the page got control back, and still shows the stored rows.
    expect(book.loaded).toBe(false)
    expect(book.search().map((c) => c.given)).toEqual(['Ann'])
    // A change arrives meanwhile, to a contact read already and as a new contact.
    const first = Object.keys(handle.doc().contacts)[0]!
    handle.change((d) => {
      d.contacts[first]!.given = stored('Renamed')
    })
    const late = new ContactBook({ handle, self: 'peer-b' })
    const added = late.add({ given: 'Late' })
    late.close()
    let chunks = 0
    while (!book.loaded) {
      chunks++
      steps.shift()!()
    }
    expect(chunks).toBeGreaterThanOrEqual(1)
    while (steps.length > 0) steps.shift()!()
    await book.ready
    expect(book.count()).toBe(701)
    expect(book.get(first)!.given).toBe('Renamed')
    expect(book.get(added)!.given).toBe('Late')
    expect(book.get('a1')).toBeUndefined()
  })

  it('is written from the document, follows a remote change and drops a removed contact', async () => {
    const store = createMemoryContactListStore()
    const handle = repo().create<ContactsDoc>(initialContactsDoc())
    const book = open(handle, store)
    await book.ready
    const ann = book.add({ given: 'Ann', phones: [{ label: 'mobile', value: '+1 555 0100' }] })
    const bob = book.add({ given: 'Bob' })
    await until(async () => (await store.read('wp1'))?.rows.length === 2, 'the list stored')
    expect((await store.read('wp1'))!.heads).toEqual(getHeads(handle.doc()))

    // Another device removes Bob from the document and adds Cy.
    const other = repo().import<ContactsDoc>(
      (await import('@automerge/automerge')).save(handle.doc()),
    )
    const remote = new ContactBook({ handle: other, self: 'peer-b' })
    cleanup.push(() => remote.close())
    await remote.ready
    remote.add({ given: 'Cy' })
    other.change((d) => {
      delete d.contacts[bob]
    })
    handle.merge(other)

    await until(
      async () =>
        JSON.stringify((await store.read('wp1'))?.rows.map((c) => c.given).sort()) ===
        JSON.stringify(['Ann', 'Cy']),
      'the list to follow the remote change',
    )
    const stored = await store.read('wp1')
    expect(stored!.heads).toEqual(getHeads(handle.doc()))
    expect(stored!.rows.find((c) => c.id === ann)!.phones[0]!.value).toBe('+1 555 0100')
  })

  it('never writes back what it read from the store: only the document state', async () => {
    const store = createMemoryContactListStore()
    await store.write('wp1', { heads: ['x'], rows: [row('f1', 'Forged')] })
    const handle = repo().create<ContactsDoc>(initialContactsDoc())
    new ContactBook({ handle, self: 'peer-a' }).add({ given: 'Real' })
    const book = open(() => Promise.resolve(handle), store)
    await book.previewed
    book.load()
    await book.ready
    await until(async () => store.writes === 2, 'the document state stored')
    expect((await store.read('wp1'))!.rows.map((c) => c.given)).toEqual(['Real'])
    // Opened again with nothing changed: the same heads are not written again.
    book.close()
    const again = open(() => Promise.resolve(handle), store)
    await again.previewed
    again.load()
    await again.ready
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(store.writes).toBe(2)
  })

  it('leaves out stored rows that do not check', async () => {
    const store = createMemoryContactListStore()
    const bad = [
      { ...row('b1', 'NoPhones'), phones: 'x' },
      { ...row('b/2', 'BadId') },
      { ...row('b3', 'BadTag'), tags: [7] },
      { ...row('b4', 'BadItem'), emails: [{ id: 'e1', label: 'work', value: 5 }] },
    ] as unknown as Contact[]
    await store.write('wp1', { heads: [], rows: [row('ok1', 'Fine'), ...bad] })
    const book = open(() => new Promise(() => {}), store)
    await book.previewed
    expect(book.search().map((c) => c.given)).toEqual(['Fine'])
  })

  it('keeps its pages in IndexedDB, a new snapshot replacing the old whole', async () => {
    const name = `contact-lists-${Math.random()}`
    const store = createIndexedDbContactListStore(NO_SEALING, name)
    const many = Array.from({ length: 1200 }, (_, i) => row(`c${i}`, `N${i}`))
    await store.write('wp1', { heads: ['h1'], rows: many })
    expect((await store.read('wp1'))!.rows).toHaveLength(1200)
    await store.write('wp1', { heads: ['h2'], rows: many.slice(0, 3) })
    const read = await store.read('wp1')
    expect(read!.heads).toEqual(['h2'])
    const db = await openDB(name)
    // The first snapshot's three pages are gone: one page and the head are left.
    expect(await db.getAllKeys('pages')).toHaveLength(2)
    db.close()
    expect(read!.rows.map((c) => c.id)).toEqual(['c0', 'c1', 'c2'])
    expect(await store.read('other')).toBeUndefined()
    await store.write('wp2', { heads: ['h3'], rows: many.slice(0, 1) })
    expect((await store.books()).sort()).toEqual(['wp1', 'wp2'])
    await store.delete('wp1')
    expect(await store.books()).toEqual(['wp2'])
    expect(await store.read('wp1')).toBeUndefined()
    expect((await store.read('wp2'))!.rows).toHaveLength(1)
  })

  it('is forgotten for a workplace this device no longer holds', async () => {
    const store = createMemoryContactListStore()
    for (const id of ['wp1', 'wp2', 'gone']) {
      await store.write(id, { heads: [], rows: [row('c1', 'Ann')] })
    }
    let held = [{ id: 'wp1' }, { id: 'wp2' }]
    const app = new (class extends Emitter<{ change: void }> {
      list = () => held
      changed = () => this.emit('change', undefined)
    })()
    const stop = forgetLeftContactLists(app, store)
    cleanup.push(stop)
    await until(async () => (await store.books()).length === 2, 'the left one forgotten')
    held = [{ id: 'wp2' }]
    app.changed()
    await until(async () => (await store.books()).join() === 'wp2', 'wp1 forgotten once left')
  })

  it('keeps its values sealed with the storage lock on, and drops them when it is turned', async () => {
    const vault = Vault.open()
    vault.use((await createVaultKey('correct horse', { log2N: 10, r: 8, p: 1 })).key, true)
    const name = `contact-lists-${Math.random()}`
    const store = createIndexedDbContactListStore(vault, name)
    await store.write('wp1', { heads: ['h1'], rows: [row('c1', 'Secretname')] })
    expect((await store.read('wp1'))!.rows.map((c) => c.given)).toEqual(['Secretname'])
    const db = await openDB(name)
    const values = await db.getAll('pages')
    db.close()
    expect(values).toHaveLength(2)
    for (const value of values) {
      expect(value).toEqual({ sealed: expect.any(Uint8Array) })
      expect(new TextDecoder().decode(value.sealed)).not.toContain('Secretname')
    }
    await store.reseal()
    expect(await store.read('wp1')).toBeUndefined()
  })
})
