import type { PeerId } from '../peer/ids.ts'
import type { FileEntry, Holding } from './files-doc.ts'
import type { HashHex } from './hashing.ts'

/** The files document as this device reads it: every record judged, malformed ones left out. */
export interface FilesIndexState {
  /** Every version record (as its adder signed it, see entry-history.ts). */
  entries: readonly FileEntry[]
  /** Holdings by file, then member. */
  holdings: ReadonlyMap<HashHex, ReadonlyMap<PeerId, Holding>>
  /** What the replica plan asks of this device: file -> when. */
  assigned: ReadonlyMap<HashHex, number>
}

/** A file this device holds some chunks of (from its chunk store). */
export interface HeldFile {
  fileId: HashHex
  chunks: number
  count: number
}

/** What the Syncer's planning needs that the document does not hold. */
export interface ReplicaPlanInput {
  members: PeerId[]
  online: PeerId[]
  replicas: number
  now: number
}

/** Why the state changed: the document, or verdicts on its records (read again at once). */
export type FilesIndexChange = 'doc' | 'verdicts'

/**
 * The CRDT side of a workplace's files: the file index document, read and written. The page
 * keeps bytes, transfers and the chunk store; the document lives wherever this is implemented
 * (DocFilesIndex over a handle on the page, RemoteFilesIndex in the documents worker).
 */
export interface FilesIndex {
  /** The state as last read; replaced (never changed in place) when it changes. */
  state(): FilesIndexState
  onChange(listener: (why: FilesIndexChange) => void): () => void
  /** Writes a new version record with this device's full holding of it (both signed here). */
  addVersion(entry: FileEntry, chunks: number): Promise<void>
  /**
   * Brings this device's holdings (signed) and storage offer in the document up to date with
   * `held` (for the files listed), where they differ.
   */
  writeOwn(
    held: readonly HeldFile[],
    storage: { quota: number; used: number },
    now: number,
  ): Promise<void>
  /**
   * The Syncer's part: asks members to fetch files held by fewer than `replicas`. Resolves
   * false (writing nothing) while records are still being checked; a change follows then.
   */
  planReplicas(input: ReplicaPlanInput): Promise<boolean>
  close(): void
}
