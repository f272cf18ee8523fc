import { next as Automerge } from '@automerge/automerge/slim'
import type { RecordOrigins, RecordPart } from '../authorship/record-origins.ts'

/**
 * Changes arriving at once beyond which the history is read in a later task: a few (an edit, a
 * chat's worth) are read at once, as before.
 */
export const BULK_CHANGES = 100

/** Runs `fn` in a later task. */
export type Defer = (fn: () => void) => void

const laterTask: Defer = (fn) => void setTimeout(fn, 0)

/**
 * The workplace's name and description are read from every owner's record ever written (see
 * signed-about.ts), so each version of the root reads the changes it brought first. A returning
 * member's catch-up brings a thousand at once, in one sync message: decoding them held its main
 * thread 0.2-0.4 s right after they were applied, in the same task, so its sync status could
 * not show that it had caught up until they were read. When that many arrived since the history
 * was last read, a read is answered from the history as read so far (what was shown before
 * they arrived, with the records as they stand now), marked incomplete so that nobody keeps
 * it, and the rest is read in a later task, after which `onCaughtUp` is called.
 */
export class AboutHistory {
  readonly #origins: RecordOrigins
  readonly #current: () => Automerge.Doc<unknown> | undefined
  readonly #onCaughtUp: () => void
  readonly #defer: Defer
  /** The document's change count when the history was last read up to its heads. */
  #readAt: { changes: number; heads: string[] } | undefined
  #scheduled = false

  constructor(options: {
    origins: RecordOrigins
    /** The document as it stands (read when the deferred reading runs). */
    current: () => Automerge.Doc<unknown> | undefined
    onCaughtUp: () => void
    defer?: Defer
  }) {
    this.#origins = options.origins
    this.#current = options.current
    this.#onCaughtUp = options.onCaughtUp
    this.#defer = options.defer ?? laterTask
  }

  /** The objects ever created under `key` (RecordOrigins.parts), and whether all were read. */
  parts(
    doc: Automerge.Doc<unknown>,
    key: string,
  ): { parts: readonly RecordPart[]; complete: boolean } {
    if (this.#bulk(doc)) {
      this.#schedule()
      return { parts: this.#origins.parts(doc, key, { catchUp: false }), complete: false }
    }
    const parts = this.#origins.parts(doc, key)
    this.#readAt = { changes: Automerge.stats(doc).numChanges, heads: Automerge.getHeads(doc) }
    return { parts, complete: true }
  }

  /**
   * Many changes since the history was last read, counted without listing them: the document
   * still holds the heads read then, so the difference of change counts is what it gained.
   * Unknown (nothing read here yet, or another version of the document): not bulk.
   */
  #bulk(doc: Automerge.Doc<unknown>): boolean {
    const read = this.#readAt
    if (!read || !this.#origins.read || !Automerge.hasHeads(doc, read.heads)) return false
    return Automerge.stats(doc).numChanges - read.changes > BULK_CHANGES
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#defer(() => {
      this.#scheduled = false
      const doc = this.#current()
      if (!doc) return
      this.#origins.catchUp(doc)
      this.#readAt = { changes: Automerge.stats(doc).numChanges, heads: Automerge.getHeads(doc) }
      this.#onCaughtUp()
    })
  }
}
