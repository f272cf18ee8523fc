import type { PeerId } from '../../peer/ids.ts'
import type { ShardDoc } from './chat-doc.ts'
import { compareHlc, type Hlc } from './hlc.ts'
import type { LoadedShard } from './loaded-shard.ts'
import { marksToRaise, writeMarks } from './receipts.ts'

export interface ReceiptWriterOptions {
  /** The member whose receipts these are. */
  self: PeerId
  /** Receipts are written at most this often. */
  delayMs: number
  /** Makes a change to a shard (and sends it on). */
  change: (shard: LoadedShard, edit: (doc: ShardDoc) => void) => void
}

/**
 * This member's receipts, batched: what its device holds of changed shards ("delivered") and
 * what it was shown ("read") go out together, one change per shard every `delayMs` at most.
 * Every receipt is a change each member syncs, stores and re-renders.
 */
export class ReceiptWriter {
  readonly #o: ReceiptWriterOptions
  readonly #changed = new Set<LoadedShard>()
  /** Read marks asked for, per shard: each author's newest message that was shown. */
  readonly #read = new Map<LoadedShard, Map<PeerId, Hlc>>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(options: ReceiptWriterOptions) {
    this.#o = options
  }

  /** The shard changed: its delivered marks may need raising. */
  shardChanged(shard: LoadedShard): void {
    this.#changed.add(shard)
    this.#schedule()
  }

  /** Everything in `shards` now was shown to the member; it is marked read with the next batch. */
  shown(shards: Iterable<LoadedShard>): void {
    let raised = false
    for (const shard of shards) {
      const read = marksToRaise(shard.doc, shard.newestByAuthor(), 'read', this.#o.self)
      if (read.size === 0) continue
      const pending = this.#read.get(shard) ?? new Map<PeerId, Hlc>()
      for (const [author, hlc] of read) {
        const before = pending.get(author)
        if (!before || compareHlc(before, hlc) < 0) pending.set(author, hlc)
      }
      this.#read.set(shard, pending)
      raised = true
    }
    if (raised) this.#schedule()
  }

  /** Writes what is waiting now. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#closed) return
    const shards = new Set([...this.#changed, ...this.#read.keys()])
    this.#changed.clear()
    for (const shard of shards) {
      const asked = this.#read.get(shard)
      this.#read.delete(shard)
      if (!shard.handle.isReady()) continue
      const { self } = this.#o
      const delivered = marksToRaise(shard.doc, shard.newestByAuthor(), 'delivered', self)
      const read = asked ? marksToRaise(shard.doc, asked, 'read', self) : new Map<PeerId, Hlc>()
      if (delivered.size === 0 && read.size === 0) continue
      this.#o.change(shard, (d) => {
        if (delivered.size > 0) writeMarks(d, 'delivered', self, delivered)
        if (read.size > 0) writeMarks(d, 'read', self, read)
      })
    }
  }

  /** Writes what is waiting, then stops. */
  close(): void {
    try {
      this.flush()
    } catch (error) {
      console.warn('chat: receipts not written on close', error)
    }
    this.#closed = true
  }

  #schedule(): void {
    if (!this.#closed) this.#timer ??= setTimeout(() => this.flush(), this.#o.delayMs)
  }
}
