import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { sealedWorkerStorage } from '../../src/vault/sealed-worker-storage.ts'
import { runChatWorker } from '../../src/crdt/documents-worker/documents-worker-core.ts'
import {
  DOCUMENTS_WORKER_PROTOCOL,
  type WorkerPort,
  type FromDocumentsWorker,
  type ToDocumentsWorker,
} from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import type { RemoteContactBook } from '../../src/crdt/documents-worker/remote-contact-book.ts'
import { ContactBook } from '../../src/crdt/contacts/contact-book.ts'
import { ContactFeed } from '../../src/crdt/contacts/contact-feed.ts'
import {
  CONTACTS_DOC_KIND,
  initialContactsDoc,
  type ContactsDoc,
} from '../../src/crdt/contacts/contacts-doc.ts'
import { createMemoryContactListStore } from '../../src/crdt/contacts/contact-list-store.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const kinds = new Map([[CONTACTS_DOC_KIND, initialContactsDoc]])
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** Ann runs her contact book in the documents worker; Bob (say, a keeper) in-process. */
async function world(bobInWorker = false): Promise<{ devs: TestDevice[]; wps: Workplace[] }> {
  const hub = new MemoryMeshHub()
  const devs = await Promise.all([
    createTestDevice(hub, 'Ann', { kinds, documentsWorker: true }),
    createTestDevice(hub, 'Bob', { kinds, documentsWorker: bobInWorker }),
  ])
  for (const dev of devs) cleanup.push(() => dev.stack.shutdown())
  const wp = await devs[0]!.stack.workplaces.create('Acme')
  const invite = await wp.createInvite({ expiresInMs: 60_000, maxUses: 3 })
  devs[1]!.stack.joins.start(linkTo(wp, invite))
  const joined = await until(() => devs[1]!.stack.workplaces.get(wp.id), 'Bob to join', 20_000)
  const wps = [wp, joined]
  await until(() => wps.every((w) => w.membership.members.size === 2), 'both to see both', 20_000)
  return { devs, wps }
}

async function localBook(wp: Workplace): Promise<ContactBook> {
  // A member opens the book the owner started once its root document names it (in-process,
  // opening it before then is refused: only an owner may start it).
  await until(() => wp.doc?.docs?.[CONTACTS_DOC_KIND], `${wp.self} to learn of the book`, 20_000)
  const handle = await wp.openDoc<ContactsDoc>(CONTACTS_DOC_KIND)
  const book = new ContactBook({ handle, self: wp.self, authorship: wp.authorship })
  cleanup.push(() => book.close())
  await book.ready
  return book
}

function remoteBook(dev: TestDevice, wp: Workplace): RemoteContactBook {
  const book = dev.stack.chats!.contacts(wp)
  cleanup.push(() => book.close())
  return book
}

describe('the contact book in the documents worker', { timeout: 60_000 }, () => {
  it('writes signed changes, lists what members write, and keeps its document off the page', async () => {
    const { devs, wps } = await world()
    const ann = remoteBook(devs[0]!, wps[0]!)
    await ann.load()
    const id = ann.add({
      given: 'Grace',
      family: 'Hopper',
      phones: [{ label: 'work', value: '1' }],
    })
    await until(() => ann.get(id), 'Ann to list her contact')
    await ann.signed()

    const bob = await localBook(wps[1]!)
    await until(() => bob.get(id), 'Bob to see Ann’s contact')
    await until(() => bob.history(id)[0]?.verified, 'Ann’s change to verify at Bob’s')
    expect(bob.history(id)[0]).toMatchObject({ op: 'add', by: wps[0]!.self, verified: true })

    const bobs = bob.add({ given: 'Ada', family: 'Lovelace' })
    bob.update(id, { ...bob.get(id)!, title: 'Rear admiral' })
    await until(
      () => ann.get(bobs) && ann.get(id)?.title === 'Rear admiral',
      'Bob’s writes at Ann’s',
    )
    expect(ann.search({ text: 'lovelace' }).map((c) => c.id)).toEqual([bobs])
    // Details are read from the worker's document when asked: Bob's signed edit is verified.
    await until(
      () => ann.history(id).some((e) => e.op === 'edit' && e.by === wps[1]!.self && e.verified),
      'Ann to read Bob’s verified edit in the history',
    )

    // The book's document is the worker's: the page's repo never opened it.
    const url = wps[0]!.doc!.docs![CONTACTS_DOC_KIND]!
    expect(Object.keys(devs[0]!.stack.repo.handles)).not.toContain(url.replace('automerge:', ''))
  })

  it('imports in batches in the worker with progress, and a re-import adds nothing', async () => {
    const { devs, wps } = await world()
    const ann = remoteBook(devs[0]!, wps[0]!)
    const contacts = Array.from({ length: 1200 }, (_, i) => ({
      given: `Person${i}`,
      family: 'Tester',
      emails: [{ label: '', value: `p${i}@example.com` }],
    }))
    const progress: number[] = []
    const result = await ann.importInBatches(contacts, {
      onProgress: (done) => progress.push(done),
    })
    expect(result.added).toHaveLength(1200)
    expect(progress.at(-1)).toBe(1200)
    expect(ann.count()).toBe(1200)
    const again = await ann.importInBatches(contacts)
    expect(again).toMatchObject({ added: [], skipped: 1200, cancelled: false })
    expect(ann.count()).toBe(1200)
    const bob = await localBook(wps[1]!)
    await until(() => bob.count() === 1200, 'Bob to hold the import')
  })

  it('imports contacts in the worker as they arrive, merging repeats across chunks', async () => {
    const { devs, wps } = await world()
    const ann = remoteBook(devs[0]!, wps[0]!)
    const person = (i: number) => ({ given: `Person${i}`, uid: `u-${i}` })
    const feed = new ContactFeed(601)
    feed.push(Array.from({ length: 300 }, (_, i) => person(i)))
    const progress: number[] = []
    const importing = ann.importInBatches(feed, { onProgress: (done) => progress.push(done) })
    // The worker writes the first contacts while the rest are still to come.
    await until(() => progress.length > 0 && ann.count() > 0, 'the first batch', 20_000)
    expect(progress.at(-1)).toBeLessThanOrEqual(300)
    feed.push(Array.from({ length: 300 }, (_, i) => person(300 + i)))
    feed.push([{ ...person(7), emails: [{ label: '', value: 'seven@example.com' }] }])
    const result = await importing
    expect(result).toMatchObject({ cancelled: false, skipped: 0 })
    expect(result.added).toHaveLength(600)
    expect(result.ids.slice(0, 600).map((id) => ann.get(id)?.uid)).toEqual(
      Array.from({ length: 600 }, (_, i) => `u-${i}`),
    )
    expect(result.updated).toEqual([result.ids[7]])
    expect(ann.get(result.ids[7]!)?.emails.map((e) => e.value)).toEqual(['seven@example.com'])
    expect(progress.at(-1)).toBe(601)
    expect(ann.count()).toBe(600)
  })

  it('stops an import in the worker cancelled while its contacts still arrive', async () => {
    const { devs, wps } = await world()
    const ann = remoteBook(devs[0]!, wps[0]!)
    const feed = new ContactFeed(1000)
    feed.push(Array.from({ length: 150 }, (_, i) => ({ given: `Person${i}` })))
    const controller = new AbortController()
    const importing = ann.importInBatches(feed, { signal: controller.signal })
    await until(() => ann.count() === 150, 'the contacts sent so far', 20_000)
    controller.abort()
    const result = await importing
    expect(result).toMatchObject({ cancelled: true })
    expect(result.added).toHaveLength(150)
    expect(ann.count()).toBe(150)
  })

  it('ends an import still waiting for contacts when its book closes', async () => {
    const { devs, wps } = await world()
    const ann = remoteBook(devs[0]!, wps[0]!)
    const feed = new ContactFeed(1000)
    feed.push(Array.from({ length: 150 }, (_, i) => ({ given: `Person${i}` })))
    const importing = ann.importInBatches(feed)
    await until(() => ann.count() === 150, 'the contacts sent so far', 20_000)
    ann.close()
    const result = await Promise.race([
      importing,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the import did not end when its book closed')), 10_000),
      ),
    ])
    expect(result).toMatchObject({ cancelled: true })
    expect(result.added).toHaveLength(150)
  })

  it('opens for a member before the owner’s device made it, once the owner lists it', async () => {
    const { devs, wps } = await world(true)
    expect(wps[0]!.doc!.docs![CONTACTS_DOC_KIND]).toBeUndefined()
    const bob = remoteBook(devs[1]!, wps[1]!)
    void bob.load()
    // Bob's worker waits for the owner (it may not make the workplace's book itself).
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(bob.loaded).toBe(false)
    const ann = remoteBook(devs[0]!, wps[0]!)
    await ann.load()
    const id = ann.add({ given: 'First' })
    await until(() => bob.loaded && bob.get(id), 'Bob’s book to load and show Ann’s contact')
    expect(wps[1]!.doc!.docs![CONTACTS_DOC_KIND]).toBe(wps[0]!.doc!.docs![CONTACTS_DOC_KIND])
  })

  it('shows the stored list until the worker has loaded the book, then the worker’s rows', async () => {
    const { devs, wps } = await world()
    const store = createMemoryContactListStore()
    const first = devs[0]!.stack.chats!.contacts(wps[0]!, { store, key: wps[0]!.id, delayMs: 0 })
    await first.load()
    const id = first.add({ given: 'Stored' })
    await until(() => first.get(id), 'the contact to be listed')
    await until(async () => (await store.read(wps[0]!.id))?.rows.length === 1, 'the list stored')
    first.close()

    const second = devs[0]!.stack.chats!.contacts(wps[0]!, { store, key: wps[0]!.id })
    cleanup.push(() => second.close())
    expect(await second.previewed).toBe(true)
    expect(second.loaded).toBe(false)
    expect(second.get(id)?.given).toBe('Stored')
    expect(() => second.add({ given: 'Too early' })).toThrow('still loading')
    await second.load()
    expect(second.get(id)?.given).toBe('Stored')
  })
})

describe('the documents worker’s protocol', () => {
  it('refuses messages that do not follow it, and keeps answering', async () => {
    const channel = new MessageChannel()
    cleanup.push(() => {
      channel.port1.close()
      channel.port2.close()
    })
    runChatWorker(channel.port2 as unknown as WorkerPort<ToDocumentsWorker, FromDocumentsWorker>, {
      storage: () => sealedWorkerStorage(new MemoryStorageAdapter()),
    })
    const received: FromDocumentsWorker[] = []
    channel.port1.addEventListener('message', (e: MessageEvent<FromDocumentsWorker>) =>
      received.push(e.data),
    )
    channel.port1.start()
    channel.port2.start()
    const warned: string[] = []
    const warn = console.warn
    console.warn = (message: unknown) => warned.push(String(message))
    cleanup.push(() => (console.warn = warn))
    const send = (message: unknown) => channel.port1.postMessage(message)
    const replyTo = (id: number) =>
      until(
        () => received.find((m) => m.t === 'reply' && m.id === id),
        `the worker to answer call ${id}`,
      )

    send(null)
    send('contacts-open')
    send({ t: 'nonsense' })
    send({ t: 'contacts-open', book: 1 })
    send({ t: 'contacts-call', id: 7, workplace: 'w', call: { method: 'drop-table' } })
    send({
      t: 'contacts-call',
      id: 8,
      workplace: 'w',
      call: { method: 'add', ids: ['a b'], inputs: [{}] },
    })
    send({
      t: 'contacts-call',
      id: 9,
      workplace: 'w',
      call: { method: 'add', ids: ['a'], inputs: [1] },
    })
    send({
      t: 'contacts-call',
      id: 10,
      workplace: 'w',
      call: { method: 'details', id: 'a', limit: -1 },
    })
    send({
      t: 'contacts-call',
      id: 16,
      workplace: 'w',
      call: { method: 'import', contacts: [{}, {}], total: 1 },
    })
    send({ t: 'contacts-import-more', id: 17, contacts: 'x' })
    send({ t: 'shutdown' })
    // The at-rest key: sealing needs an AES-GCM CryptoKey, not bytes (nor another kind of key).
    send({ t: 'vault', id: 12, sealing: true })
    send({ t: 'vault', id: 13, key: new Uint8Array(32), sealing: true })
    const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    send({ t: 'vault', id: 14, key: hmac, sealing: true })
    send({ t: 'vault', id: 15, sealing: 'yes' })
    send({ t: 'start', v: DOCUMENTS_WORKER_PROTOCOL, self: 'a', publicKey: new Uint8Array(32) })
    for (const [id, says] of [
      [7, 'unknown method drop-table'],
      [8, 'not contact IDs'],
      [9, 'not a contact'],
      [10, 'limit out of range'],
      [12, 'vault without a key'],
      [13, 'vault without a key'],
      [14, 'vault without a key'],
      [15, 'vault without a key'],
      [16, 'total out of range'],
      [17, 'import-more: contacts is not a list'],
    ] as const) {
      const reply = await replyTo(id)
      expect(reply).toMatchObject({ ok: false, error: { name: 'ProtocolError' } })
      expect((reply as { error: { message: string } }).error.message).toContain(says)
    }
    // A well-formed call on a book that is not open is answered with an error, not a hang.
    send({ t: 'contacts-call', id: 11, workplace: 'w', call: { method: 'signed' } })
    expect(await replyTo(11)).toMatchObject({ ok: false, error: { name: 'Error' } })
    send({ t: 'hello' })
    await until(
      () =>
        received.filter((m) => m.t === 'ready' && m.v === DOCUMENTS_WORKER_PROTOCOL).length >= 2,
      'the worker to still answer',
    )
    for (const says of [
      'not an object',
      'unknown message nonsense',
      'no workplace',
      'without a call ID',
      'start without the vault',
    ])
      expect(
        warned.some((w) => w.includes(says)),
        says,
      ).toBe(true)
  })
})
