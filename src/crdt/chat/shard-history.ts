import { ImmutableString, type DocHandle } from '@automerge/automerge-repo'
import type { Judge } from '../authorship/authorship.ts'
import { RecordOrigins } from '../authorship/record-origins.ts'
import type { ShardDoc } from './chat-doc.ts'
import type { MessageHistory } from './message-history.ts'
import { fromHistory, type ChatMessage, type Origins } from './message-view.ts'
import { ReceiptRecall } from './receipt-recall.ts'
import type { RecalledMarks } from './receipts.ts'

/** How long a shard's history waits before it is read (see `HISTORY_DELAYS`). */
export interface HistoryDelays {
  /**
   * An unsigned message's history is looked up this long after it is read (an older
   * workplace's messages are not worth reading the history for while a chat opens), and the
   * history caught up this long after changes arrive (messages created and removed while this
   * device was away).
   */
  originsMs: number
  /**
   * The shard's history is read this long after the shard is first read, once the chat has
   * shown: to find messages someone removed before this device opened it.
   */
  sweepMs: number
}

export const HISTORY_DELAYS: HistoryDelays = { originsMs: 500, sweepMs: 2000 }

/**
 * What one shard's change history and this device's earlier looks tell about records someone
 * other than their writer removed or overwrote: messages (with their edits, deletions and
 * reactions) and receipt marks. The history is read only once something needs it (or a moment
 * after the shard is first read), then caught up with what arrives.
 */
export class ShardHistory {
  readonly #handle: DocHandle<ShardDoc>
  /** The message as the last read before the latest change showed it. */
  readonly #previous: (id: string) => ChatMessage | undefined
  /**
   * Hears that the history showed something the last read did not have: messages (the shard is
   * read again), or receipt marks only.
   */
  readonly #found: (what: 'messages' | 'marks') => void
  readonly #delays: HistoryDelays
  /** Where messages, their reactions and the receipt marks came from. */
  readonly #origins = new RecordOrigins('messages', ['a', 't', 'x', 'r', 's'], {
    writes: ['re'],
    roots: ['delivered', 'read'],
  })
  #timer: ReturnType<typeof setTimeout> | undefined
  /**
   * IDs of messages read before or found in the history: one missing from the map was removed
   * by someone other than its author, and is read from its history.
   */
  readonly known = new Set<string>()
  /** IDs of messages read as genuine before: one that no longer is gets its history read now. */
  readonly #genuine = new Set<string>()
  readonly #recall = new ReceiptRecall()
  #closed = false

  constructor(
    handle: DocHandle<ShardDoc>,
    previous: (id: string) => ChatMessage | undefined,
    found: (what: 'messages' | 'marks') => void,
    delays: HistoryDelays = HISTORY_DELAYS,
  ) {
    this.#handle = handle
    this.#previous = previous
    this.#found = found
    this.#delays = delays
  }

  /** Whether the history was ever read. */
  get read(): boolean {
    return this.#origins.read
  }

  /** The shard changed: what was added to the history is read in a moment, if it was read. */
  changed(): void {
    this.#observeMarks()
    if (this.#origins.read) this.#lookSoon(this.#delays.originsMs)
  }

  /** The shard was read: the history is read a moment later if nothing needed it before. */
  sweepSoon(): void {
    if (!this.#origins.read) this.#lookSoon(this.#delays.sweepMs)
  }

  /**
   * Takes note of the messages a read showed (`added`: those it read again; `messages`: all it
   * shows now), and of IDs gone for good.
   */
  noteShown(
    added: readonly ChatMessage[],
    messages: readonly ChatMessage[],
    pending: boolean,
  ): void {
    for (const m of added) {
      this.known.add(m.id)
      if (m.verified) this.#genuine.add(m.id)
    }
    // A known ID that is gone and reads as nothing from its history is not looked for again.
    // (Each message is read once, under its own ID: only more known IDs than messages shown
    // can hold one that is gone.)
    const map = this.#doc?.messages
    if (pending || this.known.size <= messages.length) return
    const shown = new Set(messages.map((m) => m.id))
    for (const id of this.known) {
      if (!shown.has(id) && !(typeof map === 'object' && map !== null && Object.hasOwn(map, id))) {
        this.known.delete(id)
      }
    }
  }

  /**
   * A message's history: see `Origins`. It is read at once for a message that this device saw
   * genuine and now reads otherwise, or saw deleted, edited or reacted to and now does not.
   */
  readonly originsOf: Origins = (id, need, current): MessageHistory | undefined => {
    const was = need === 'if-read' && !this.#origins.read ? this.#previous(id) : undefined
    const now =
      need === 'now' ||
      (need === 'soon' && this.#genuine.has(id)) ||
      (was !== undefined && (was.deleted || was.edited || lostReaction(was, current)))
    if (!now && !this.#origins.read) {
      if (need === 'soon') this.#lookSoon(this.#delays.originsMs)
      return undefined
    }
    const doc = this.#handle.doc()
    return {
      count: this.#origins.count(doc, id),
      signed: this.#origins.versions(doc, id).some((v) => v.s !== undefined),
      parts: () => this.#origins.parts(doc, id),
      reactions: () => this.#origins.writes(doc, id),
    }
  }

  /** Message `id` as its author wrote it, as stored (to be put back: `LoadedShard.record`). */
  restore(id: string, shard: string, judge: Judge): ShardDoc['messages'][string] | undefined {
    const history = this.originsOf(id, 'now')
    const found = history && fromHistory(id, history, shard, judge)
    return found?.record && (stored(found.record) as ShardDoc['messages'][string])
  }

  /** Receipt marks this shard held before or its history holds, for `readMark`. */
  readonly recalledMarks: RecalledMarks = (kind, reader, author) => {
    this.#observeMarks()
    return this.#recall.values(kind, reader, author)
  }

  /** Moves on when `recalledMarks` may answer otherwise. */
  get marksVersion(): number {
    this.#observeMarks()
    return this.#recall.version
  }

  /**
   * Reads the history up to now; every message ever created in it is known from then on.
   * Returns whether some newly known message is not in the map.
   */
  catchUp(): boolean {
    const doc = this.#handle.doc()
    const map: unknown = doc.messages
    let gone = false
    for (const id of this.#origins.keys(doc)) {
      if (this.known.has(id)) continue
      this.known.add(id)
      gone ||= typeof map !== 'object' || map === null || !Object.hasOwn(map, id)
    }
    return gone
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }

  get #doc(): ShardDoc | undefined {
    return this.#handle.isReady() ? this.#handle.doc() : undefined
  }

  /**
   * Takes in the receipt marks the shard holds now and those the history read so far holds.
   * The history itself is caught up a moment after changes (`#lookSoon`), not at each: only
   * marks written and overwritten within one batch of changes (or while this device was away)
   * are in it and not in some version seen here, and until then a receipt reads lower, not
   * higher, than it will.
   */
  #observeMarks(): void {
    const doc = this.#doc
    const writes =
      doc && this.#origins.read
        ? (root: string) => this.#origins.rootWrites(doc, root, { catchUp: false })
        : undefined
    this.#recall.observe(doc, writes)
  }

  /** Reads the history (what was added since it was last read) in a moment, then looks again. */
  #lookSoon(delayMs: number): void {
    if (this.#closed) return
    this.#timer ??= setTimeout(() => {
      if (this.#handle.isReady()) {
        const first = !this.#origins.read
        const gone = this.catchUp()
        const marks = this.#recall.version
        this.#observeMarks()
        if (first || gone) this.#found('messages')
        else if (this.#recall.version !== marks) this.#found('marks')
      }
      this.#timer = undefined
    }, delayMs)
  }
}

/** A record read from the history, as it is written: its strings immutable. */
function stored(value: unknown): unknown {
  if (typeof value === 'string') return new ImmutableString(value)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, stored(v)]),
  )
}

/** Whether a reaction `was` showed is not on the message as read now. */
function lostReaction(was: ChatMessage, current: ChatMessage | undefined): boolean {
  return was.reactions.some(({ emoji, peers }) => {
    const now = current?.reactions.find((r) => r.emoji === emoji)
    return peers.some((peer) => !now?.peers.includes(peer))
  })
}
