import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { runStorageAdapterTests } from '@automerge/automerge-repo/helpers/tests/storage-adapter-tests.js'
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import type { DeviceContact, OutboxEntry, TextMessage } from '../../src/direct/direct-model.ts'
import { createIdbDirectStore } from '../../src/direct/idb-direct-store.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { HashHex } from '../../src/files/hashing.ts'
import { SealedStorageAdapter } from '../../src/vault/sealed-storage-adapter.ts'
import { sealChunkStore } from '../../src/vault/sealed-chunk-store.ts'
import { StorageLock, type Resealable } from '../../src/vault/storage-lock.ts'
import { readVaultConfig } from '../../src/vault/vault-config.ts'
import { createVaultKey, Vault, VaultError } from '../../src/vault/vault.ts'
import { memorySettings } from '../support/memory-settings.ts'

/** A cheap scrypt cost: these tests are about the layout, not the key's strength. */
const FAST = { log2N: 10, r: 8, p: 1 }
const text = (s: string) => new TextEncoder().encode(s)
const contains = (haystack: Uint8Array | undefined, needle: string) =>
  haystack !== undefined && Buffer.from(haystack).includes(Buffer.from(needle))

async function sealingVault(): Promise<Vault> {
  const vault = Vault.open()
  vault.use((await createVaultKey('correct horse battery', FAST)).key, true)
  return vault
}

runStorageAdapterTests(async () => {
  return { adapter: new SealedStorageAdapter(new MemoryStorageAdapter(), await sealingVault()) }
}, 'sealed')

describe('the sealed storage adapter', () => {
  it('stores no plaintext and refuses a value moved to another key', async () => {
    const inner = new MemoryStorageAdapter()
    const sealed = new SealedStorageAdapter(inner, await sealingVault())
    await sealed.save(['doc1', 'snapshot', 'a'], text('the meeting is at 10'))
    const raw = await inner.load(['doc1', 'snapshot', 'a'])
    expect(contains(raw, 'meeting')).toBe(false)
    expect(new TextDecoder().decode(await sealed.load(['doc1', 'snapshot', 'a']))).toBe(
      'the meeting is at 10',
    )
    // Moved: it does not open as the other key's value (it reads back as the sealed bytes).
    await inner.save(['doc2', 'snapshot', 'b'], raw!)
    expect(contains(await sealed.load(['doc2', 'snapshot', 'b']), 'meeting')).toBe(false)
  })

  it('removes what was saved just before, once it is sealed, rather than before it lands', async () => {
    const inner = new MemoryStorageAdapter()
    const sealed = new SealedStorageAdapter(inner, await sealingVault())
    const saved = [sealed.save(['doc1', 'incremental', 'a'], text('first'))]
    await sealed.remove(['doc1', 'incremental', 'a'])
    saved.push(sealed.save(['doc2', 'incremental', 'b'], text('second')))
    await sealed.removeRange(['doc2'])
    await Promise.all(saved)
    expect(await inner.load(['doc1', 'incremental', 'a'])).toBeUndefined()
    expect(await inner.loadRange(['doc2'])).toEqual([])
  })

  it('cannot read sealed values while locked', async () => {
    const inner = new MemoryStorageAdapter()
    await new SealedStorageAdapter(inner, await sealingVault()).save(['d', 'x'], text('secret'))
    await expect(new SealedStorageAdapter(inner, Vault.open()).load(['d', 'x'])).rejects.toThrow(
      VaultError,
    )
  })
})

/** A store that fails after `failAfter` writes, as a tab closed halfway would stop. */
function interrupted(inner: StorageAdapterInterface, failAfter: number): StorageAdapterInterface {
  let writes = 0
  return Object.assign(Object.create(inner) as StorageAdapterInterface, {
    save: async (key: string[], data: Uint8Array) => {
      if (++writes > failAfter) throw new Error('the tab closed')
      return inner.save(key, data)
    },
    loadRange: (prefix: string[]) => inner.loadRange(prefix),
    load: (key: string[]) => inner.load(key),
  })
}

describe('turning the storage lock on and off', () => {
  it('seals what was stored, finishes an interrupted run at the next unlock, and unseals', async () => {
    const inner = new MemoryStorageAdapter()
    for (let i = 0; i < 10; i++) await inner.save([`doc${i}`, 'snapshot'], text(`note ${i}`))
    const settings = memorySettings()
    const files = createMemoryChunkStore()
    const hash = 'ab'.repeat(32) as HashHex
    await files.putChunk(hash, text('file bytes here'))

    // First session: the lock is turned on, and the tab closes after 4 documents.
    const vault1 = Vault.open()
    const broken = new SealedStorageAdapter(interrupted(inner, 4), vault1)
    const lock1 = new StorageLock({
      vault: vault1,
      settings,
      stores: async () => [broken],
      kdf: FAST,
    })
    await expect(lock1.enable('correct horse battery')).rejects.toThrow('the tab closed')
    expect(readVaultConfig(settings)?.state).toBe('sealing')
    const plainLeft = async () => {
      let left = 0
      for (const { data } of await inner.loadRange([])) if (contains(data, 'note')) left++
      return left
    }
    expect(await plainLeft()).toBe(6)

    // Next start: the app asks for the passphrase, a wrong one is refused, then it carries on.
    const vault2 = Vault.open()
    const adapter = new SealedStorageAdapter(inner, vault2)
    const chunks = sealChunkStore(files, vault2)
    const stores: Resealable[] = [adapter, chunks]
    const lock2 = new StorageLock({ vault: vault2, settings, stores: async () => stores })
    expect(lock2.needsUnlock).toBe(true)
    await expect(lock2.unlock('wrong passphrase')).rejects.toMatchObject({
      code: 'wrong-passphrase',
    })
    await lock2.unlock('correct horse battery')
    // Every value reads back meanwhile, sealed or not yet.
    for (let i = 0; i < 10; i++) {
      expect(new TextDecoder().decode(await adapter.load([`doc${i}`, 'snapshot']))).toBe(
        `note ${i}`,
      )
    }
    await lock2.resume()
    expect(lock2.state).toBe('on')
    expect(await plainLeft()).toBe(0)
    expect(contains(await files.getChunk(hash), 'file bytes')).toBe(false)
    expect(new TextDecoder().decode(await chunks.getChunk(hash))).toBe('file bytes here')

    // Off again: the passphrase confirms it, and everything is stored plain.
    await lock2.disable('correct horse battery')
    expect(lock2.state).toBe('off')
    expect(readVaultConfig(settings)).toBeUndefined()
    expect(await plainLeft()).toBe(10)
    expect(contains(await files.getChunk(hash), 'file bytes')).toBe(true)
  }, 30_000)
})

describe('direct conversations under the storage lock', () => {
  const BOB = 'b'.repeat(32) as PeerId
  const ME = 'a'.repeat(32) as PeerId
  const message = (i: number): TextMessage => ({
    kind: 'text',
    peer: BOB,
    author: i % 2 ? BOB : ME,
    id: `m${String(i).padStart(4, '0')}`,
    at: 1000 + i,
    sentAt: 1000 + i,
    delivery: 'received',
    unread: false,
    text: `harbour secret ${i}`,
  })
  const contact: DeviceContact = {
    peer: BOB,
    name: 'Roberta Lighthouse',
    key: null,
    firstSeen: 1,
    lastSeen: 2,
    lastMessageAt: 3,
    unread: 0,
    verified: false,
  }
  const queued: OutboxEntry = {
    peer: BOB,
    id: 'q1',
    wire: { t: 'text', id: 'q1', at: 5, text: 'queued harbour secret' },
    queuedAt: 5,
  }

  /** Every stored value of the direct database, as the disk holds it. */
  async function rawValues(factory: IDBFactory): Promise<unknown[]> {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open('peerplace-direct')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const values: unknown[] = []
    for (const store of ['contacts', 'messages', 'outbox']) {
      values.push(
        ...(await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll()
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })),
      )
    }
    db.close()
    return values
  }
  const holdsText = (value: unknown, needle: string): boolean => {
    if (value instanceof Uint8Array) return contains(value, needle)
    if (typeof value === 'string') return value.includes(needle)
    if (typeof value === 'object' && value !== null) {
      return Object.values(value).some((v) => holdsText(v, needle))
    }
    return false
  }
  const plainLeft = async (factory: IDBFactory, needle: string) =>
    (await rawValues(factory)).filter((v) => holdsText(v, needle)).length

  it('seals contacts, messages and the outbox, resumes an interrupted run and unseals', async () => {
    const factory = new IDBFactory()
    const settings = memorySettings()
    const vault1 = Vault.open()
    const store1 = await createIdbDirectStore({ indexedDB: factory, vault: vault1 })
    for (let i = 0; i < 500; i++) await store1.putMessage(message(i))
    await store1.putContact(contact)
    await store1.putOutbox(queued)
    expect(await plainLeft(factory, 'harbour secret')).toBe(501)

    // The lock is turned on and the tab closes after the first batch was rewritten.
    const lock1 = new StorageLock({
      vault: vault1,
      settings,
      stores: async () => [store1],
      kdf: FAST,
    })
    await expect(
      lock1.enable('correct horse battery', (done) => {
        if (done > 100) throw new Error('the tab closed')
      }),
    ).rejects.toThrow('the tab closed')
    const left = await plainLeft(factory, 'harbour secret')
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThan(501)
    store1.close()

    // Next start: unlocked, everything reads back (sealed or not yet), and the run finishes.
    const vault2 = Vault.open()
    const store2 = await createIdbDirectStore({ indexedDB: factory, vault: vault2 })
    const lock2 = new StorageLock({ vault: vault2, settings, stores: async () => [store2] })
    await lock2.unlock('correct horse battery')
    expect((await store2.messages(BOB, 1000)).map((m) => m.id)).toEqual(
      Array.from({ length: 500 }, (_, i) => message(i).id),
    )
    await lock2.resume()
    expect(lock2.state).toBe('on')
    expect(await plainLeft(factory, 'harbour secret')).toBe(0)
    expect(await plainLeft(factory, 'Roberta')).toBe(0)
    // Written while the lock is on: sealed as it is stored.
    await store2.putMessage({ ...message(600), text: 'written while locked' })
    expect(await plainLeft(factory, 'written while locked')).toBe(0)
    expect(await store2.contacts()).toEqual([contact])
    expect(await store2.outbox()).toEqual([queued])
    expect(await store2.getMessage(BOB, ME, 'm0600')).toMatchObject({
      text: 'written while locked',
    })
    expect((await store2.messages(BOB, 2)).map((m) => m.id)).toEqual(['m0499', 'm0600'])
    // A locked device reads nothing of them.
    const locked = await createIdbDirectStore({ indexedDB: factory, vault: Vault.open() })
    await expect(locked.contacts()).rejects.toThrow(VaultError)
    locked.close()

    // Off again: every record is back in its plain form, readable without the vault.
    await lock2.disable('correct horse battery')
    expect(await plainLeft(factory, 'harbour secret')).toBe(501)
    expect(await plainLeft(factory, 'written while locked')).toBe(1)
    expect(await plainLeft(factory, 'Roberta')).toBe(1)
    store2.close()
    const plain = await createIdbDirectStore({ indexedDB: factory })
    expect(await plain.contacts()).toEqual([contact])
    expect(await plain.getMessage(BOB, BOB, 'm0001')).toEqual(message(1))
    plain.close()
  }, 30_000)

  it('refuses a sealed message moved to another key', async () => {
    const factory = new IDBFactory()
    const store = await createIdbDirectStore({ indexedDB: factory, vault: await sealingVault() })
    await store.putMessage(message(1))
    const [stored] = (await rawValues(factory)) as Record<string, unknown>[]
    const db = await new Promise<IDBDatabase>((resolve) => {
      const request = factory.open('peerplace-direct')
      request.onsuccess = () => resolve(request.result)
    })
    await new Promise((resolve) => {
      const tx = db.transaction('messages', 'readwrite')
      tx.objectStore('messages').put({ ...stored, key: `${BOB}|${BOB}|moved` })
      tx.oncomplete = resolve
    })
    db.close()
    await expect(store.getMessage(BOB, BOB, 'moved')).rejects.toThrow('damaged')
    store.close()
  })
})
