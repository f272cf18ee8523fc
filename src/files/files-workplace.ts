import type { Doc, DocHandle } from '@automerge/automerge-repo'
import type { PeerId } from '../peer/ids.ts'
import type { Claim, Verdict } from '../peer/identity/record-proof.ts'

/** Judges one record of the files document: a claim and its stored proof. */
export type FilesJudge = (claim: Claim, proof: unknown) => Verdict

/**
 * Signs this member's records and judges everyone's (the workplace's Authorship in
 * src/crdt/authorship/authorship.ts satisfies it).
 */
interface FilesAuthorship {
  sign(claim: Omit<Claim, 'peer'>): Promise<string>
  check(claim: Claim, proof: unknown): Verdict
  /** Resolves on the next `change`: when a `pending` verdict may have settled. */
  nextChange(): Promise<void>
  /** `change`: any verdict may have changed; `verified`: pending records may read otherwise. */
  on(event: 'change' | 'verified', listener: () => void): () => void
}

/**
 * Where the records of a map at a document's root came from, read from its change history
 * (src/crdt/authorship/record-origins.ts satisfies it).
 */
export interface RecordHistory {
  /** Whether the history was ever read. */
  readonly read: boolean
  /** The keys under which a record was ever created. */
  keys(doc: Doc<unknown>): Iterable<string>
  /** The fields each record under `key` was created with, oldest first. */
  versions(doc: Doc<unknown>, key: string): readonly Readonly<Record<string, string | number>>[]
}

/** What the files of a workplace need of it (src/crdt/workplace/workplace.ts satisfies it). */
export interface FilesWorkplace {
  readonly id: string
  readonly self: PeerId
  /** Signs this member's version records and holdings; judges everyone's. */
  readonly authorship: FilesAuthorship
  readonly doc: { settings?: { replicas?: number }; docs?: Record<string, string> } | undefined
  openDoc<T>(key: string): Promise<DocHandle<T>>
  isMember(peer: PeerId): boolean
  isOwner(peer: PeerId): boolean
  members(): readonly { peer: PeerId; name: string }[]
  on(event: 'change', listener: () => void): () => void
  /** A reader of the history of the records in `map` (at a document's root). */
  recordHistory(map: string, fields: readonly string[]): RecordHistory
}
