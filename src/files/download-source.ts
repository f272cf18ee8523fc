import type { PeerId } from '../peer/ids.ts'
import type { Bitmap } from './bitmap.ts'
import type { SourcePace } from './source-pace.ts'

/**
 * How one holder is doing in a download: `opening` (asked, no answer yet), `active` (serving),
 * `idle` (holds nothing more we need, asked again later), `stalled` (sent nothing for a while),
 * `gone` (no link), `refused` (said no), `bad` (sent data that failed verification: never used
 * again for this file).
 */
export type SourceState = 'opening' | 'active' | 'idle' | 'stalled' | 'gone' | 'refused' | 'bad'

export interface SourceView {
  peer: PeerId
  state: SourceState
  /** Verified bytes this holder sent in this download. */
  bytes: number
  detail: string
}

/** The downloader's bookkeeping of one holder. */
export class DownloadSource {
  readonly peer: PeerId
  /** How fast it delivers: what it is asked for at once, and when it counts as stalled. */
  readonly pace: SourcePace
  state: SourceState = 'opening'
  detail = ''
  /** The chunks it said it holds; updated when it says one is missing. */
  have: Bitmap | null = null
  /** Chunks asked of it and not arrived yet. */
  readonly asked = new Set<number>()
  /** Bytes asked of it and not yet stored or thrown away (what its window limits). */
  outstanding = 0
  bytes = 0
  /** When it last sent a chunk, or was asked for the first of the current batch. */
  lastProgressAt = 0
  /** When an idle, stalled, gone or refused holder may be asked again. */
  retryAt = 0
  requestId = 0

  constructor(peer: PeerId, pace: SourcePace) {
    this.peer = peer
    this.pace = pace
  }

  get usable(): boolean {
    return this.state === 'active'
  }

  view(): SourceView {
    return { peer: this.peer, state: this.state, bytes: this.bytes, detail: this.detail }
  }
}
