import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'

/** automerge-repo storage in a Map, for tests of adapters that wrap another. */
export class MemoryStorageAdapter implements StorageAdapterInterface {
  readonly #data = new Map<string, { key: StorageKey; data: Uint8Array }>()

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    return this.#data.get(JSON.stringify(key))?.data
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    this.#data.set(JSON.stringify(key), { key: [...key], data })
  }

  async remove(key: StorageKey): Promise<void> {
    this.#data.delete(JSON.stringify(key))
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    return [...this.#data.values()]
      .filter(({ key }) => prefix.every((part, i) => key[i] === part))
      .map(({ key, data }) => ({ key, data }))
  }

  async removeRange(prefix: StorageKey): Promise<void> {
    for (const { key } of await this.loadRange(prefix)) await this.remove(key)
  }
}
