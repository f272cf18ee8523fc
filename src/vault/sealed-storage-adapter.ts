import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'
import type { Vault } from './vault.ts'

/**
 * automerge-repo storage whose values are sealed with the at-rest key when the lock is on.
 * Keys (document IDs, chunk kinds and hashes) stay readable: they say nothing of the content.
 */
export class SealedStorageAdapter implements StorageAdapterInterface {
  readonly #inner: StorageAdapterInterface
  readonly #vault: Vault
  /** Saves under way: each chose sealed or plain when it began. */
  readonly #saving = new Set<Promise<void>>()

  constructor(inner: StorageAdapterInterface, vault: Vault) {
    this.#inner = inner
    this.#vault = vault
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    const stored = await this.#inner.load(key)
    return stored && this.#vault.read(context(key), stored)
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    // The vault's seal decides sealed or plain synchronously, as it is called.
    const sealed = this.#vault.seal(context(key), data)
    const saving = sealed.then((bytes) => this.#inner.save(key, bytes))
    this.#saving.add(saving)
    try {
      await saving
    } finally {
      this.#saving.delete(saving)
    }
  }

  /**
   * Resolves once every save begun before the call is stored (or failed): after the vault's
   * `use`, nothing written the old way is still on its way to storage.
   */
  async savesDone(): Promise<void> {
    await Promise.allSettled([...this.#saving])
  }

  // A removal waits for the saves begun before it: one still being sealed would otherwise
  // reach storage after the removal and bring the value back (a deleted document's chunk).
  async remove(key: StorageKey): Promise<void> {
    await this.savesDone()
    return this.#inner.remove(key)
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const chunks = await this.#inner.loadRange(prefix)
    return Promise.all(
      chunks.map(async ({ key, data }) => ({
        key,
        data: data && (await this.#vault.read(context(key), data)),
      })),
    )
  }

  async removeRange(prefix: StorageKey): Promise<void> {
    await this.savesDone()
    return this.#inner.removeRange(prefix)
  }

  /**
   * Rewrites every stored value the way the vault now writes (sealed or plain), one document
   * at a time; safe to run again after an interruption.
   */
  async reseal(onProgress?: (done: number, total: number) => void): Promise<void> {
    // A save that chose its way before the vault changed, stored after the values were read
    // here, would stay the old way.
    await this.savesDone()
    const all = await this.#inner.loadRange([])
    let done = 0
    for (const { key, data } of all) {
      if (data && !this.#vault.settled(data)) {
        const plain = await this.#vault.read(context(key), data)
        await this.#inner.save(key, await this.#vault.seal(context(key), plain))
      }
      onProgress?.(++done, all.length)
    }
  }
}

function context(key: StorageKey): string {
  return `documents/${key.join('/')}`
}
