import type { PeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import { receiptClaim } from './chat-claims.ts'
import type { ShardDoc } from './chat-doc.ts'
import { compareHlc, type Hlc } from './hlc.ts'
import type { LoadedShard } from './loaded-shard.ts'
import { marksToRaise, readMark, writeMarks, type ReceiptKind } from './receipts.ts'

export interface ReceiptWriterOptions {
  /** The member whose receipts these are. */
  self: PeerId
  /** How long a receipt waits after a quiet spell, gathering what comes with it. */
  delayMs: number
  /**
   * While messages keep coming, receipts are written at most this often: every write is a
   * change each member applies, syncs, stores and re-renders, so a busy chat must not double
   * its changes with receipts.
   */
  intervalMs?: number
  now?: () => number
  /** Makes a change to a shard (and sends it on). */
  change: (shard: LoadedShard, edit: (doc: ShardDoc) => void) => void
}

type Marks = Map<PeerId, Hlc>

/**
 * This member's receipts, batched: what its device holds of changed shards ("delivered") and
 * what it was shown ("read") go out together, one change per shard every `delayMs` at most.
 * Every receipt is a change each member syncs, stores and re-renders, and each mark is signed
 * by this device (so it takes a moment between asking and writing: `writing` tells).
 */
export class ReceiptWriter {
  readonly #o: ReceiptWriterOptions
  readonly #changed = new Set<LoadedShard>()
  /** Read marks asked for, per shard: each author's newest message that was shown. */
  readonly #read = new Map<LoadedShard, Marks>()
  /** Marks being signed, per shard and kind. */
  readonly #writing = new Map<LoadedShard, Record<ReceiptKind, Marks>>()
  readonly #jobs = new Set<Promise<void>>()
  /** Shards waiting for a stored mark's check before looking again. */
  readonly #waiting = new Set<string>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastWrite = -Infinity
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
      const read = this.#toRaise(shard, shard.newestByAuthor(), 'read', () => this.shown([shard]))
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

  /** The mark of `kind` for `author` this device is signing or was asked to write, if any. */
  writing(shard: LoadedShard, kind: ReceiptKind, author: PeerId): Hlc | undefined {
    const signing = this.#writing.get(shard)?.[kind].get(author)
    const asked = kind === 'read' ? this.#read.get(shard)?.get(author) : undefined
    if (!signing || !asked) return signing ?? asked
    return compareHlc(signing, asked) < 0 ? asked : signing
  }

  /** Writes what is waiting now (signing takes a moment: `close` waits for it). */
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
      const again = () => this.shardChanged(shard)
      const delivered = this.#toRaise(shard, shard.newestByAuthor(), 'delivered', again)
      const read = asked
        ? this.#toRaise(shard, asked, 'read', () => this.shown([shard]))
        : new Map<PeerId, Hlc>()
      if (delivered.size === 0 && read.size === 0) continue
      this.#lastWrite = this.#now()
      const job = this.#write(shard, { delivered, read })
      this.#jobs.add(job)
      void job.finally(() => this.#jobs.delete(job))
    }
  }

  /** Writes what is waiting, then stops; resolves once the last marks are written. */
  async close(): Promise<void> {
    try {
      this.flush()
    } catch (error) {
      console.warn('chat: receipts not written on close', error)
    }
    this.#closed = true
    await Promise.all([...this.#jobs])
  }

  /**
   * The marks to raise, leaving out those already being signed. A stored mark still being
   * checked counts for now; `again` runs once the check is done, in case it was not ours.
   */
  #toRaise(
    shard: LoadedShard,
    newest: ReadonlyMap<PeerId, Hlc>,
    kind: ReceiptKind,
    again: () => void,
  ): Marks {
    let pending = false
    const judge: Judge = (claim, proof) => {
      const verdict = shard.authorship.check(claim, proof)
      if (verdict === 'pending') pending = true
      return verdict
    }
    const raise = marksToRaise(shard.doc, newest, kind, this.#o.self, {
      shard: shard.key.key,
      judge,
    })
    const waitKey = `${shard.key.key} ${kind}`
    if (pending && !this.#waiting.has(waitKey)) {
      this.#waiting.add(waitKey)
      void shard.authorship.nextChange().then(() => {
        this.#waiting.delete(waitKey)
        if (!this.#closed) again()
      })
    }
    const signing = this.#writing.get(shard)?.[kind]
    for (const [author, hlc] of raise) {
      const mark = signing?.get(author)
      if (mark && compareHlc(mark, hlc) >= 0) raise.delete(author)
    }
    return raise
  }

  async #write(shard: LoadedShard, marks: Record<ReceiptKind, Marks>): Promise<void> {
    let writing = this.#writing.get(shard)
    if (!writing) this.#writing.set(shard, (writing = { delivered: new Map(), read: new Map() }))
    const kinds = ['delivered', 'read'] as const
    for (const kind of kinds) for (const [a, hlc] of marks[kind]) writing[kind].set(a, hlc)
    try {
      const { self } = this.#o
      const signed = await Promise.all(
        kinds.map(async (kind) => {
          const entries = await Promise.all(
            [...marks[kind]].map(async ([author, hlc]) => {
              const claim = receiptClaim(shard.key.key, kind, self, author, hlc)
              const proof = await shard.authorship.sign(claim)
              return [author, { hlc, proof }] as const
            }),
          )
          return new Map(entries)
        }),
      )
      if (!shard.handle.isReady()) return
      this.#o.change(shard, (d) => {
        const check = {
          shard: shard.key.key,
          judge: shard.authorship.check.bind(shard.authorship) as Judge,
        }
        kinds.forEach((kind, i) => {
          // An earlier job's marks, signed after a later job's, do not write over them. Only a
          // genuine stored mark counts: one a forger wrote in this member's name is replaced.
          const newer = new Map(
            [...signed[i]!].filter(([author, { hlc }]) => {
              const stored = readMark(d, kind, self, author, check)
              return stored === undefined || compareHlc(hlc, stored) > 0
            }),
          )
          if (newer.size > 0) writeMarks(d, kind, self, newer)
        })
      })
    } catch (error) {
      console.warn('chat: receipts not written', error)
    } finally {
      for (const kind of kinds) {
        for (const [author, hlc] of marks[kind]) {
          if (writing[kind].get(author) === hlc) writing[kind].delete(author)
        }
      }
    }
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined) return
    const paced = this.#lastWrite + (this.#o.intervalMs ?? 0) - this.#now()
    this.#timer = setTimeout(() => this.flush(), Math.max(this.#o.delayMs, paced))
  }

  #now(): number {
    return (this.#o.now ?? (() => performance.now()))()
  }
}
