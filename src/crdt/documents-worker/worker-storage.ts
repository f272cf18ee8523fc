import type { StorageAdapterInterface } from '@automerge/automerge-repo'

/**
 * The IndexedDB database of the documents: the page's repo and the documents worker's both open
 * it, so each reads what the other wrote.
 */
export const DOCUMENTS_DATABASE = 'peerplace-documents'

/** The at-rest key as lent to the worker (by structured clone), and whether writes seal. */
export interface AtRestLoan {
  key?: CryptoKey
  sealing: boolean
}

/** What lends the at-rest key: its state now, and a call after each change (the page's vault). */
export interface AtRestLender {
  lent(): AtRestLoan
  onUse(listener: () => void): () => void
}

/** The worker's document storage, sealing the way the page's does with the key lent to it. */
export interface WorkerStorage {
  adapter: StorageAdapterInterface
  /** Writes the way `loan` says from now on. */
  lend(loan: AtRestLoan): void
  /** Resolves once every write begun before the call is stored (or failed). */
  savesDone(): Promise<void>
}
