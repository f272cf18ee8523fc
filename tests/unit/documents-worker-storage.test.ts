import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import { CHAT_DOC_KIND, initialChatIndex } from '../../src/crdt/chat/chat-doc.ts'
import type { ChatApi } from '../../src/crdt/chat/chat-api.ts'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { looksSealed } from '../../src/vault/sealed-bytes.ts'
import { SealedStorageAdapter } from '../../src/vault/sealed-storage-adapter.ts'
import { StorageLock } from '../../src/vault/storage-lock.ts'
import { createVaultKey, Vault } from '../../src/vault/vault.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { startChatWorker } from '../support/test-device.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'
import { memorySettings } from '../support/memory-settings.ts'

const FAST = { log2N: 10, r: 8, p: 1 }
const kinds = new Map([[CHAT_DOC_KIND, () => initialChatIndex()]])
const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

/**
 * Another opening of `inner` whose saves take a while (as IndexedDB's); the save that `began`
 * hears of is slower still (the lock is turned on meanwhile).
 */
class SlowSaves implements StorageAdapterInterface {
  readonly #inner: StorageAdapterInterface
  began: (() => void) | undefined

  constructor(inner: StorageAdapterInterface) {
    this.#inner = inner
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    const watched = this.began
    this.began = undefined
    watched?.()
    await new Promise((resolve) => setTimeout(resolve, watched ? 500 : 30))
    await this.#inner.save(key, data)
  }

  load = (key: StorageKey) => this.#inner.load(key)
  remove = (key: StorageKey) => this.#inner.remove(key)
  loadRange = (prefix: StorageKey) => this.#inner.loadRange(prefix)
  removeRange = (prefix: StorageKey) => this.#inner.removeRange(prefix)
}

/** A device's identity and stores, kept across the pages a test starts on it. */
async function newDevice() {
  return {
    identity: await createTestIdentity(),
    /** The one database the page's repo and the worker's both store in, unsealed. */
    storage: new MemoryStorageAdapter(),
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    vault: Vault.open(),
  }
}
type Device = Awaited<ReturnType<typeof newDevice>>

/** A page with its documents worker: the worker opens `workerStorage` (the page's, by default). */
function start(device: Device, workerStorage: StorageAdapterInterface = device.storage) {
  const pageStorage = new SealedStorageAdapter(device.storage, device.vault)
  const port = startChatWorker({}, workerStorage)
  const fromWorker: string[] = []
  port.addEventListener('message', ({ data }) => fromWorker.push(data.t))
  const stack = createWorkplaceStack({
    identity: device.identity,
    mesh: new MemoryMeshHub().add(device.identity.peerId),
    storage: pageStorage,
    vault: device.vault,
    list: device.list,
    records: device.records,
    displayName: () => 'Ann',
    kinds,
    documentsWorker: port,
  })
  stacks.push(stack)
  return { stack, pageStorage, fromWorker }
}

async function stop(stack: WorkplaceStack): Promise<void> {
  stacks.splice(stacks.indexOf(stack), 1)
  await stack.shutdown()
}

/** The chat of the device's one workplace, reopened from storage by a new page and worker. */
async function reopenedChat(device: Device, workplace: string): Promise<ChatApi> {
  const { stack } = start(device)
  await stack.workplaces.load()
  const wp = await until(() => stack.workplaces.get(workplace), 'the workplace to load')
  let opened: ChatApi | Error | undefined
  stack.chats!.open(wp).then(
    (chat) => (opened = chat),
    (error: Error) => (opened = error),
  )
  const chat = await until(() => opened, 'the chat to open again', 10_000)
  if (chat instanceof Error) throw chat
  return chat
}

const plainKeys = (chunks: Chunk[]) =>
  chunks.filter(({ data }) => data && !looksSealed(data)).map(({ key }) => key.join('/'))

describe('the documents worker’s own storage', { timeout: 60_000 }, () => {
  it('saves and loads the chat with no storage call reaching the page', async () => {
    const device = await newDevice()
    const { stack, fromWorker } = start(device)
    const wp = await stack.workplaces.create('Acme')
    const chat = await stack.chats!.open(wp)
    const hello = await chat.send('kept by the worker')
    await stop(stack)
    const chatDoc = wp.doc!.docs![CHAT_DOC_KIND]!.replace('automerge:', '')
    expect((await device.storage.loadRange([chatDoc])).length).toBeGreaterThan(0)

    const again = await reopenedChat(device, wp.id)
    await until(() => again.message(hello.id), 'the stored message to load again')
    expect(again.message(hello.id)!.text).toBe('kept by the worker')
    expect(fromWorker).toContain('view')
    expect(fromWorker).not.toContain('storage')
  })

  it('with the lock on, seals what it writes the way the page reads, and reads what the page sealed', async () => {
    const device = await newDevice()
    device.vault.use((await createVaultKey('correct horse battery', FAST)).key, true)
    const { stack, pageStorage } = start(device)
    const wp = await stack.workplaces.create('Acme')
    const chat = await stack.chats!.open(wp)
    const hello = await chat.send('sealed by the worker')
    await stop(stack)
    const chatDoc = wp.doc!.docs![CHAT_DOC_KIND]!.replace('automerge:', '')
    const stored = await device.storage.loadRange([chatDoc])
    expect(stored.length).toBeGreaterThan(0)
    expect(plainKeys(stored)).toEqual([])

    // The page's adapter opens what the worker sealed; sealed again by the page (fresh nonces),
    // the worker of the next start opens it.
    const opened = await pageStorage.loadRange([chatDoc])
    expect(opened.every(({ data }) => data && !looksSealed(data))).toBe(true)
    await device.storage.removeRange([chatDoc])
    for (const { key, data } of opened) await pageStorage.save(key, data!)
    const resealed = await device.storage.loadRange([chatDoc])
    expect(plainKeys(resealed)).toEqual([])
    expect(resealed.map((c) => c.data)).not.toEqual(stored.map((c) => c.data))

    const again = await reopenedChat(device, wp.id)
    await until(() => again.message(hello.id), 'the page-sealed message to load in the worker')
    expect(again.message(hello.id)!.text).toBe('sealed by the worker')
  })

  it('leaves every value sealed when the lock turns on while the worker writes', async () => {
    const device = await newDevice()
    const workerStorage = new SlowSaves(device.storage)
    const { stack, pageStorage } = start(device, workerStorage)
    const wp = await stack.workplaces.create('Acme')
    const chat = await stack.chats!.open(wp)
    // Messages go out until a save of the worker's, begun plain, is on its way; the lock turns
    // on then (no more writes after, which could compact the plain value away).
    const saving = new Promise<void>((resolve) => (workerStorage.began = resolve))
    let writing = true
    void saving.then(() => (writing = false))
    const sent: string[] = []
    for (let i = 0; writing; i++) {
      if (i > 200) throw new Error('the worker saved nothing while 200 messages were sent')
      sent.push((await chat.send(`message ${i}`)).id)
    }
    const lock = new StorageLock({
      vault: device.vault,
      settings: memorySettings(),
      stores: async () => [stack.chats!.resealing(pageStorage)],
      kdf: FAST,
    })
    await lock.enable('correct horse battery')
    expect(lock.state).toBe('on')
    await stop(stack)
    expect(plainKeys(await device.storage.loadRange([]))).toEqual([])

    const again = await reopenedChat(device, wp.id)
    await until(() => sent.every((id) => again.message(id)), 'every message to load again')
  })
})
