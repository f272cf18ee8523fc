import type { DocHandle } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { Authorship } from '../authorship/authorship.ts'
import { ChatError } from './chat-error.ts'
import type { ShardDoc, ShardKey } from './chat-doc.ts'
import type { Hlc } from './hlc.ts'
import type { ChatMessage } from './message-view.ts'
import { readShardMessages, type ReadCache } from './shard-messages.ts'
import { newestByAuthor, type RecalledMarks } from './receipts.ts'
import { ShardHistory, type HistoryDelays } from './shard-history.ts'

/**
 * One open shard: its validated, verified messages, read again only after the document changes
 * or verdicts do, and the messages that are new since the last look.
 */
export class LoadedShard {
  readonly key: ShardKey
  readonly handle: DocHandle<ShardDoc>
  readonly authorship: Authorship
  readonly #seen = new Set<string>()
  readonly #reported = new Set<string>()
  readonly #read: ReadCache = new WeakMap()
  /** What the shard's history tells of messages and marks someone removed or overwrote. */
  readonly #history: ShardHistory
  #before: Map<string, ChatMessage> | undefined
  readonly #listener: () => void
  readonly #offs: (() => void)[] = []
  #messages: ChatMessage[] | undefined
  #pending = false
  #byId: Map<string, ChatMessage> | undefined
  #newest: Map<PeerId, Hlc> | undefined
  #authors: { of: readonly ChatMessage[]; set: ReadonlySet<PeerId> } | undefined
  #started = false
  /** What was read before the last change, reused if the change left the messages as they were. */
  #last:
    | {
        messages: ChatMessage[]
        byId: Map<string, ChatMessage> | undefined
        newest: Map<PeerId, Hlc> | undefined
      }
    | undefined

  /**
   * @param onChange hears the messages this device had not seen in this shard before, from
   *   `start` on
   * @param historyDelays when the shard's history is read (default `HISTORY_DELAYS`)
   */
  constructor(
    key: ShardKey,
    handle: DocHandle<ShardDoc>,
    authorship: Authorship,
    onChange: (shard: LoadedShard, fresh: ChatMessage[]) => void,
    historyDelays?: HistoryDelays,
  ) {
    this.key = key
    this.handle = handle
    this.authorship = authorship
    this.#history = new ShardHistory(
      handle,
      (id) => this.#previous(id),
      () => this.#listener(),
      historyDelays,
    )
    const listener = (this.#listener = () => {
      // Messages created and removed while this device was away are found in the history.
      this.#history.changed()
      if (this.#messages) {
        this.#last = { messages: this.#messages, byId: this.#byId, newest: this.#newest }
        this.#before = undefined
      }
      this.#messages = undefined
      this.#byId = undefined
      this.#newest = undefined
      if (this.#started) onChange(this, this.takeFresh())
    })
    handle.on('change', listener)
    this.#offs.push(
      () => handle.off('change', listener),
      authorship.on('change', listener),
      // Signature checks finished: only a shard that waited on some needs a new look.
      authorship.on('verified', () => {
        if (this.#pending) listener()
      }),
    )
  }

  /** From now on, changes are reported to `onChange`. */
  start(): void {
    this.#started = true
  }

  get doc(): ShardDoc | undefined {
    return this.handle.isReady() ? this.handle.doc() : undefined
  }

  messages(): ChatMessage[] {
    if (!this.#messages) {
      const history = this.#history
      const wasRead = history.read
      let read = this.#readMessages()
      // Unsigned messages: some may have been stripped of their proof (even every message of
      // the shard), so the history is read before they are first shown, and they show as what
      // it says at once (as signed, or unverified for an older workplace's), never as unverified
      // for a moment and then otherwise.
      if (!history.read && read.messages.some((m) => !m.verified)) history.catchUp()
      // Read for the first time (here or for some message): every message is read again with it.
      if (!wasRead && history.read) {
        history.catchUp()
        read = this.#readMessages()
      }
      history.sweepSoon()
      const last = this.#last
      // A change that left every message as it was (say, a receipt) keeps the list, so that
      // readers can tell there is nothing to re-render.
      if (last && sameItems(last.messages, read.messages)) {
        this.#messages = last.messages
        this.#byId = last.byId
        this.#newest = last.newest
      } else {
        this.#messages = read.messages
      }
      this.#pending = read.pending
      history.noteShown(read.messages, read.pending)
    }
    return this.#messages
  }

  #readMessages() {
    return readShardMessages(
      this.doc,
      this.key.key,
      this.#reported,
      (id, reason) =>
        console.warn(`chat: ignoring message ${id} in shard ${this.key.key}: ${reason}`),
      (claim, proof, required) => this.authorship.check(claim, proof, required),
      { map: this.#read, generation: this.authorship.generation, history: this.#history.read },
      this.#history.originsOf,
      (id) => this.#previous(id),
      this.#history.known,
    )
  }

  /**
   * Resolves once the messages are read with every signature check that could finish done
   * (checks waiting for a writer's key to arrive are not waited for).
   */
  async verified(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      this.messages()
      if (!this.#pending) return
      await this.authorship.settled()
    }
  }

  message(id: string): ChatMessage | undefined {
    this.#byId ??= new Map(this.messages().map((m) => [m.id, m]))
    return this.#byId.get(id)
  }

  /** Each author's newest message timestamp in this shard (what receipts are raised to). */
  newestByAuthor(): ReadonlyMap<PeerId, Hlc> {
    this.#newest ??= newestByAuthor(this.messages())
    return this.#newest
  }

  /** The authors of this shard's messages (the same set while the messages are the same). */
  authors(): ReadonlySet<PeerId> {
    const messages = this.messages()
    if (this.#authors?.of !== messages) {
      this.#authors = { of: messages, set: new Set(messages.map((m) => m.author)) }
    }
    return this.#authors.set
  }

  /** Receipt marks this shard held before or its history holds, for `readMark`. */
  get recalledMarks(): RecalledMarks {
    return this.#history.recalledMarks
  }

  /** Moves on when `recalledMarks` may answer otherwise. */
  get marksVersion(): number {
    return this.#history.marksVersion
  }

  /** Stored messages, valid or not: what the part limit counts. */
  count(): number {
    const messages = this.doc?.messages
    return typeof messages === 'object' && messages !== null ? Object.keys(messages).length : 0
  }

  /**
   * Message `id`'s record in `d` (a change being made to this shard), for its author's edit or
   * deletion or a reaction. One someone else removed or replaced with something else is put back
   * first, as its author wrote it (from the history).
   */
  record(d: ShardDoc, id: string): ShardDoc['messages'][string] {
    const current: unknown = d.messages?.[id]
    if (typeof current === 'object' && current !== null) return d.messages[id]!
    const judge = this.authorship.check.bind(this.authorship)
    const restored = this.#history.restore(id, this.key.key, judge)
    if (!restored) throw new ChatError('unknown-message', 'That message is not readable.')
    if (typeof d.messages !== 'object' || d.messages === null) d.messages = {}
    d.messages[id] = restored
    return d.messages[id]
  }

  /** The messages not returned by an earlier call. */
  takeFresh(): ChatMessage[] {
    const fresh = this.messages().filter((m) => !this.#seen.has(m.id))
    for (const m of fresh) this.#seen.add(m.id)
    return fresh
  }

  close(): void {
    this.#history.close()
    for (const off of this.#offs.splice(0)) off()
  }

  /** The message as the last read before the latest change showed it. */
  #previous(id: string): ChatMessage | undefined {
    this.#before ??= new Map(this.#last?.messages.map((m) => [m.id, m]))
    return this.#before.get(id)
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
