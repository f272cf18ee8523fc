import type { PeerId } from '../../peer/ids.ts'
import type { Authorship } from '../authorship/authorship.ts'
import { compareHlc, type Hlc } from './hlc.ts'
import type { LoadedShard } from './loaded-shard.ts'
import { MarkCache } from './mark-cache.ts'
import type { ChatMessage } from './message-view.ts'
import type { ReceiptView } from './receipt-view.ts'
import { receiptOf, sameReceipt } from './receipts.ts'

/** What ChatMarks reads a chat's loaded state from (WorkplaceChat). */
export interface ChatMarksSource {
  readonly self: PeerId
  readonly authorship: Authorship
  /** The workplace's members now. */
  members(): readonly { peer: PeerId }[]
  /** The loaded messages in their order (WorkplaceChat.messages). */
  messages(): readonly ChatMessage[]
  loaded(): Iterable<LoadedShard>
  shard(key: string): LoadedShard | undefined
  /** This member's read mark for `author` in `shard` being written, not stored yet. */
  writingRead(shard: LoadedShard, author: PeerId): Hlc | undefined
}

/**
 * What a message's receipt view is worked out from. Automerge keeps the objects of a document's
 * unchanged parts, so a shard change that wrote no receipt keeps its `delivered` and `read` maps.
 */
interface ReceiptBasis {
  message: ChatMessage
  members: readonly PeerId[]
  delivered: unknown
  read: unknown
  /** The shard's recalled marks (receipt-recall.ts). */
  recall: number
  generation: number
}

function sameBasis(a: ReceiptBasis, b: ReceiptBasis): boolean {
  return (
    a.message === b.message &&
    a.members === b.members &&
    a.delivered === b.delivered &&
    a.read === b.read &&
    a.recall === b.recall &&
    a.generation === b.generation
  )
}

/**
 * A chat's reading of the members' receipt marks: each message's receipt view (who has it and
 * who has seen it), and which messages this member has not read. Marks are signed, so a view may
 * wait on a signature check: `takePending` says whether one did.
 */
export class ChatMarks {
  readonly #source: ChatMarksSource
  readonly #marks: MarkCache
  /** The receipt views handed out, reused while unchanged (the UI re-renders only changes). */
  readonly #views = new Map<string, { view: ReceiptView; basis: ReceiptBasis | undefined }>()
  #members: PeerId[] | undefined
  /** Whether a mark read since `takePending` waited on a signature check. */
  #pending = false

  constructor(source: ChatMarksSource) {
    this.#source = source
    this.#marks = new MarkCache((claim, proof, required) => {
      const verdict = source.authorship.check(claim, proof, required)
      if (verdict === 'pending') this.#pending = true
      return verdict
    })
  }

  /** Whether a mark read since the last call waited on a signature check; clears that. */
  takePending(): boolean {
    const pending = this.#pending
    this.#pending = false
    return pending
  }

  /** The workplace changed: its members, and the verdicts on their marks, may have. */
  membersChanged(): void {
    this.#members = undefined
    this.#marks.clear()
  }

  /** Who has (and has seen) `found.message`, from the members' replicated receipts. */
  receipt(found: { shard: LoadedShard; message: ChatMessage }): ReceiptView {
    const { id } = found.message
    const generation = this.#source.authorship.generation
    const members = (this.#members ??= this.#source.members().map((m) => m.peer))
    const before = this.#views.get(id)
    // Marks only rise (receipts.ts `readMark`): a message every recipient has read stays so for
    // as long as its members and the verdicts do, whatever receipts come in for later messages.
    if (
      before?.basis &&
      before.view.state === 'read' &&
      before.basis.message === found.message &&
      before.basis.members === members &&
      before.basis.generation === generation
    ) {
      return before.view
    }
    const doc = found.shard.doc
    const basis: ReceiptBasis = {
      message: found.message,
      members,
      delivered: doc?.delivered,
      read: doc?.read,
      recall: found.shard.marksVersion,
      generation,
    }
    if (before?.basis && sameBasis(before.basis, basis)) return before.view
    const pendingBefore = this.#pending
    this.#pending = false
    let view = receiptOf(found.message, members, this.#marks.reader(found.shard, generation))
    const pending = this.#pending
    this.#pending ||= pendingBefore
    if (before && sameReceipt(before.view, view)) view = before.view
    // A view that waited on a signature check keeps no basis: it is worked out again next time.
    this.#views.set(id, { view, basis: pending ? undefined : basis })
    return view
  }

  /**
   * Loaded messages from others that this member has not read. Messages are in timestamp order,
   * and one no newer than every read mark (of each author in each loaded shard) is read: only
   * those after the oldest mark are looked at, not the whole history on every update.
   */
  unread(): ChatMessage[] {
    const source = this.#source
    const generation = source.authorship.generation
    // This member's read mark for each author in a shard, worked out once per (shard, author).
    const marks = new Map<string, Map<PeerId, Hlc | undefined>>()
    const markOf = (key: string, author: PeerId) => {
      let byAuthor = marks.get(key)
      if (!byAuthor) marks.set(key, (byAuthor = new Map()))
      if (byAuthor.has(author)) return byAuthor.get(author)
      const shard = source.shard(key)
      const stored = shard && this.#marks.reader(shard, generation)('read', source.self, author)
      const writing = shard && source.writingRead(shard, author)
      const mark = !stored || (writing && compareHlc(stored, writing) < 0) ? writing : stored
      byAuthor.set(author, mark)
      return mark
    }
    const all = source.messages()
    let from = 0
    const oldest = this.#oldestReadMark(markOf)
    if (oldest !== undefined) {
      from = all.length
      while (from > 0 && compareHlc(all[from - 1]!.hlc, oldest) > 0) from--
    }
    const unread: ChatMessage[] = []
    for (let i = from; i < all.length; i++) {
      const m = all[i]!
      if (m.author === source.self || m.deleted) continue
      const mark = markOf(m.shard, m.author)
      if (mark === undefined || compareHlc(mark, m.hlc) < 0) unread.push(m)
    }
    return unread
  }

  /**
   * `unread`, once the signature checks this member's read marks waited on are done (checks
   * waiting for a writer's key to arrive are not waited for).
   */
  async unreadChecked(): Promise<ChatMessage[]> {
    this.#pending = false
    const unread = this.unread()
    if (!this.#pending) return unread
    await this.#source.authorship.settled()
    return this.unread()
  }

  /**
   * The oldest of this member's read marks for the other authors of loaded shards; undefined
   * when one has none (then every message counts).
   */
  #oldestReadMark(markOf: (key: string, author: PeerId) => Hlc | undefined): Hlc | undefined {
    let oldest: Hlc | undefined
    for (const shard of this.#source.loaded()) {
      for (const author of shard.authors()) {
        if (author === this.#source.self) continue
        const mark = markOf(shard.key.key, author)
        if (mark === undefined) return undefined
        if (oldest === undefined || compareHlc(mark, oldest) < 0) oldest = mark
      }
    }
    return oldest
  }
}
