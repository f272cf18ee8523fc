import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'
import type { StorageOp } from './documents-worker-protocol.ts'

/**
 * The documents worker's storage: every operation is done by the page's storage (IndexedDB, sealed
 * when the storage lock is on), so the documents live where they always did and the at-rest key
 * never enters the worker.
 */
export class PortStorageAdapter implements StorageAdapterInterface {
  readonly #ask: (op: StorageOp) => Promise<unknown>

  constructor(ask: (op: StorageOp) => Promise<unknown>) {
    this.#ask = ask
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    return (await this.#ask({ op: 'load', key })) as Uint8Array | undefined
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    await this.#ask({ op: 'save', key, data })
  }

  async remove(key: StorageKey): Promise<void> {
    await this.#ask({ op: 'remove', key })
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    return (await this.#ask({ op: 'loadRange', key: prefix })) as Chunk[]
  }

  async removeRange(prefix: StorageKey): Promise<void> {
    await this.#ask({ op: 'removeRange', key: prefix })
  }
}

/** Serves a worker's storage operation with the page's storage. */
export function serveStorage(storage: StorageAdapterInterface, op: StorageOp): Promise<unknown> {
  switch (op.op) {
    case 'load':
      return storage.load(op.key)
    case 'save':
      return storage.save(op.key, op.data)
    case 'remove':
      return storage.remove(op.key)
    case 'loadRange':
      return storage.loadRange(op.key)
    case 'removeRange':
      return storage.removeRange(op.key)
  }
}
