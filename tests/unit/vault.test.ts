import type { StorageAdapterInterface } from '@automerge/automerge-repo'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { runStorageAdapterTests } from '@automerge/automerge-repo/helpers/tests/storage-adapter-tests.js'
import { describe, expect, it } from 'vitest'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import type { HashHex } from '../../src/files/hashing.ts'
import { SealedStorageAdapter } from '../../src/vault/sealed-storage-adapter.ts'
import { sealChunkStore } from '../../src/vault/sealed-chunk-store.ts'
import { StorageLock, type Resealable } from '../../src/vault/storage-lock.ts'
import { readVaultConfig } from '../../src/vault/vault-config.ts'
import { createVaultKey, Vault, VaultError } from '../../src/vault/vault.ts'

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

function memorySettings(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const map = new Map<string, string>()
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  }
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
