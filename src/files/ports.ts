import type { PeerId } from '../peer/ids.ts'
import type { HashHex } from './hashing.ts'
import type { RefusalCode } from './transfer-protocol.ts'

/**
 * Who may fetch the files of one scope (a workplace, or a direct share to one device): null
 * when `peer` may fetch `fileId`, else why not. Asked on every open and every request.
 */
export interface ScopeAccess {
  mayFetch(peer: PeerId, fileId: HashHex): RefusalCode | null
}

/** Where a download finds holders: the peers that may hold some of the file, now. */
export interface SourceFinder {
  candidates(): readonly PeerId[]
  /** Calls back when the candidates may have changed; returns the unsubscribe function. */
  onChange(handler: () => void): () => void
}
