import type { PeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import type { ShardDoc } from './chat-doc.ts'
import type { Hlc } from './hlc.ts'
import { readMark, type ReceiptKind, type RecalledMarks } from './receipts.ts'

/** What a mark is read from: a loaded shard (see LoadedShard). */
export interface MarkSource {
  readonly key: { key: string }
  readonly doc: ShardDoc | undefined
  readonly recalledMarks: RecalledMarks
  readonly marksVersion: number
}

/** Reads one (kind, reader, author) mark of a shard. */
export type MarkReader = (kind: ReceiptKind, reader: PeerId, author: PeerId) => Hlc | undefined

interface Cached {
  doc: ShardDoc | undefined
  version: number
  generation: number
  marks: Map<string, Hlc | undefined>
}

/**
 * Receipt marks as last read, per shard. A mark depends on the shard's document, its recalled
 * marks and the verdicts on their signatures, never on the message asked about: reading every
 * loaded message's receipt (and counting the unread) read each mark and parsed all its recalled
 * values once per message; now once per shard version. A mark whose check is still `pending`
 * is read again next time (`pending` says so).
 */
export class MarkCache {
  #of = new WeakMap<MarkSource, Cached>()
  readonly #judge: Judge

  constructor(judge: Judge) {
    this.#judge = judge
  }

  /** The reader of `shard`'s marks, valid while verdicts stay at `generation`. */
  reader(shard: MarkSource, generation: number): MarkReader {
    const doc = shard.doc
    const version = shard.marksVersion
    let cached = this.#of.get(shard)
    if (
      !cached ||
      cached.doc !== doc ||
      cached.version !== version ||
      cached.generation !== generation
    ) {
      cached = { doc, version, generation, marks: new Map() }
      this.#of.set(shard, cached)
    }
    const { marks } = cached
    let pending = false
    const judge: Judge = (claim, proof, required) => {
      const verdict = this.#judge(claim, proof, required)
      if (verdict === 'pending') pending = true
      return verdict
    }
    const check = { shard: shard.key.key, judge }
    return (kind, reader, author) => {
      const key = `${kind} ${reader} ${author}`
      if (marks.has(key)) return marks.get(key)
      pending = false
      const recalled = shard.recalledMarks(kind, reader, author)
      const mark = readMark(doc, kind, reader, author, check, recalled)
      if (!pending) marks.set(key, mark)
      return mark
    }
  }

  /** Forgets every mark (membership changed: verdicts may have). */
  clear(): void {
    this.#of = new WeakMap()
  }
}
