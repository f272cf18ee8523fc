import type { PeerId } from '../peer/ids.ts'
import type { ChunkStore } from './chunk-store.ts'
import type { SourceView } from './download-source.ts'
import type { HashHex, Sha256 } from './hashing.ts'
import type { SourceFinder } from './ports.ts'
import type { FilesMessage } from './transfer-protocol.ts'

export type DownloadState = 'starting' | 'fetching' | 'waiting' | 'complete' | 'cancelled'

export interface DownloadProgress {
  fileId: HashHex
  state: DownloadState
  /** Verified and stored. */
  bytesDone: number
  /** From the manifest once known, else the size hint, else null. */
  size: number | null
  /** Bytes per second over the last seconds. */
  rate: number
  secondsLeft: number | null
  sources: SourceView[]
}

export interface DownloadOptions {
  /**
   * The most bytes asked of one holder and not yet stored (default 8 MiB): fewer while its
   * measured pace is slow, a few seconds of it (source-pace.ts).
   */
  windowBytes?: number
  /**
   * A holder with chunks outstanding that sends nothing for this long, or longer when its pace
   * says a chunk takes longer (source-pace.ts), is dropped. Default 10 s.
   */
  stallMs?: number
  /** An idle, stalled or gone holder is asked again after this. Default 2 s. */
  retryMs?: number
  /** How often the record of progress is saved. Default 2 s. */
  saveEveryMs?: number
}

export interface DownloadDeps {
  fileId: HashHex
  scope: string
  store: ChunkStore
  sha256: Sha256
  finder: SourceFinder
  /** Sends a control message; false when there is no link to the peer. */
  send: (peer: PeerId, message: FilesMessage) => boolean
  self: PeerId
  now: () => number
  log: (message: string) => void
  sizeHint?: number
  options?: DownloadOptions
}

export interface DownloadEvents extends Record<string, unknown> {
  change: void
  /** A holder sent data that failed verification. */
  flagged: { peer: PeerId; detail: string }
}
