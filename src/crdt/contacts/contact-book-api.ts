import type { Emitter } from '../../lib/emitter.ts'
import type { HistoryEntry } from './change-log.ts'
import type { FieldConflict } from './contact-conflicts.ts'
import type { ContactFeed } from './contact-feed.ts'
import type { Contact, ContactInput } from './contact-model.ts'
import type { ContactQuery } from './contact-search.ts'
import type { KnownPeer } from './save-as-contact.ts'

/** What an import did with each of its contacts (`ids[i]` is '' for a repeat within the file). */
export interface ImportResult {
  added: string[]
  updated: string[]
  skipped: number
  ids: string[]
}

export interface ContactBookEvents extends Record<string, unknown> {
  change: void
}

/** How a big import reports and stops (see import-batches.ts). */
export interface ImportProgressOptions {
  /** Called after each batch with how many contacts are done. */
  onProgress?: (done: number, total: number) => void
  /** Stops before the next batch; the batches already written stay. */
  signal?: AbortSignal
}

/**
 * A workplace's contact book as the UI uses it: ContactBook (its document in this thread) or
 * RemoteContactBook (its document in the documents worker, the page holding the rows). Reads
 * are synchronous, from what the book holds now; writes are checked at once (a refusal throws)
 * and shown through `change`.
 */
export interface ContactBookApi extends Pick<Emitter<ContactBookEvents>, 'on'> {
  readonly self: string
  /** Whether the book has read its document (until then it shows its stored list, read-only). */
  readonly loaded: boolean
  /** Grows on every change, for views that memoize. */
  readonly version: number
  /** Loads the document now if it is not yet; resolves once it is read. */
  load(): Promise<void>
  get(id: string): Contact | undefined
  search(query?: ContactQuery): Contact[]
  count(query?: { deleted?: boolean }): number
  tags(): { tag: string; count: number }[]
  /** IDs of the contacts that have at least one conflicting field. */
  conflicted(): string[]
  /** A contact's conflicting fields (each value's writer verified or not). */
  conflicts(id: string): FieldConflict[]
  /** Who changed a contact and when, newest first. */
  history(id: string, limit?: number): HistoryEntry[]
  /** Resolves once this device's changes so far carry their proofs. */
  signed(): Promise<void>
  add(input: ContactInput): string
  update(id: string, edited: ContactInput, base?: Contact): boolean
  delete(id: string): void
  restore(id: string): void
  resolve(id: string, path: string, value: string): void
  saveAsContact(known: KnownPeer): { id: string; created: boolean }
  /**
   * Imports contacts in batches (each one change), merging into the contacts they match; from a
   * feed, as they arrive.
   */
  importInBatches(
    contacts: readonly ContactInput[] | ContactFeed,
    options?: ImportProgressOptions,
  ): Promise<ImportResult & { cancelled: boolean }>
  close(): void
}
