import type { DocHandle, DocHandleChangePayload } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { Authorship } from '../authorship/authorship.ts'
import { ChatError } from './chat-error.ts'
import type { ShardDoc, ShardKey } from './chat-doc.ts'
import type { Hlc } from './hlc.ts'
import type { ChatMessage } from './message-view.ts'
import {
  readShardMessages,
  readSomeShardMessages,
  type ReadCache,
  type ShardReading,
} from './shard-messages.ts'
import { newestByAuthor, type RecalledMarks } from './receipts.ts'
import { ShardHistory, type HistoryDelays } from './shard-history.ts'

/**
 * One open shard: its validated, verified messages, read again only after the document changes
 * or verdicts do, and the messages that are new since the last look. A change read again only
 * the messages it touched (a busy chat's receipts touch none), and a finished signature check
 * only those that waited for one: the shard's other messages are not looked at again.
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
  readonly #listener: (touched: Touched) => void
  readonly #offs: (() => void)[] = []
  #messages: ChatMessage[] | undefined
  /** What to read again before `#messages` is worked out anew: some messages, or all. */
  #touched: Set<string> | 'all' = 'all'
  /** The shown messages by ID, in the order of `#messages` (`message`, and reading some again). */
  #rows: Map<string, ChatMessage> | undefined
  /** Whether `#rows` was read with the shard's history (reading it makes every message read again). */
  #rowsHistory = false
  /** The messages (or a part of them) waiting for a signature check. */
  #waiting = new Set<string>()
  /** The list `takeFresh` last looked through. */
  #taken: ChatMessage[] | undefined
  #newest: Map<PeerId, Hlc> | undefined
  #authors: { of: readonly ChatMessage[]; set: ReadonlySet<PeerId> } | undefined
  #started = false
  /** What was read before the last change, reused if the change left the messages as they were. */
  #last:
    | {
        messages: ChatMessage[]
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
      // Marks alone: the messages stay as read, the receipts are looked at again.
      (what) => this.#listener(what === 'messages' ? 'all' : new Set()),
      historyDelays,
    )
    const listener = (this.#listener = (touched: Touched) => {
      // Messages created and removed while this device was away are found in the history.
      this.#history.changed()
      this.#touch(touched)
      if (this.#started) onChange(this, this.takeFresh())
    })
    const changed = ({ patches }: DocHandleChangePayload<ShardDoc>) =>
      listener(touchedMessages(patches))
    handle.on('change', changed)
    this.#offs.push(
      () => handle.off('change', changed),
      // Verdicts may all read otherwise (membership or keys changed).
      authorship.on('change', () => listener('all')),
      // Signature checks finished: only the messages that waited on some need a new look.
      authorship.on('verified', () => {
        if (this.#waiting.size > 0) listener(new Set(this.#waiting))
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
    if (!this.#messages && this.#touched !== 'all') this.#readTouched(this.#touched)
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
        this.#newest = last.newest
      } else {
        this.#messages = read.messages
      }
      this.#waiting = read.waiting
      this.#rows = new Map(this.#messages.map((m) => [m.id, m]))
      this.#rowsHistory = history.read
      this.#touched = new Set()
      history.noteShown(read.messages, read.messages, read.pending)
    }
    return this.#messages
  }

  /**
   * Reads again only the messages a change touched or that waited for a check, beside those
   * shown (`#rows`). Leaves `#messages` unset where the whole shard must be read instead: the
   * history was read since, or an unverified message shows before it is.
   */
  #readTouched(touched: ReadonlySet<string>): void {
    const rows = this.#rows
    const history = this.#history
    if (!rows || this.#rowsHistory !== history.read) return
    const read = readSomeShardMessages(
      this.doc,
      touched,
      this.#reading((id) => rows.get(id)),
    )
    const added: ChatMessage[] = []
    let changed = false
    for (const [id, shown] of read.shown) {
      if (shown === rows.get(id)) continue
      // See `messages`: unsigned messages are shown only as the history reads them.
      if (shown && !shown.verified && !history.read) return
      changed = true
      if (shown) added.push(shown)
    }
    for (const id of touched) this.#waiting.delete(id)
    for (const id of read.waiting) this.#waiting.add(id)
    if (changed) {
      for (const [id, shown] of read.shown) {
        if (shown) rows.set(id, shown)
        else rows.delete(id)
      }
      this.#messages = [...rows.values()]
      this.#newest = undefined
    } else {
      this.#messages = this.#last?.messages ?? [...rows.values()]
      this.#newest = this.#last?.newest
    }
    this.#touched = new Set()
    history.noteShown(added, this.#messages, this.#waiting.size > 0)
  }

  #readMessages() {
    return readShardMessages(
      this.doc,
      this.#reading((id) => this.#previous(id)),
    )
  }

  #reading(previous: (id: string) => ChatMessage | undefined): ShardReading {
    return {
      shard: this.key.key,
      reported: this.#reported,
      onInvalid: (id, reason) =>
        console.warn(`chat: ignoring message ${id} in shard ${this.key.key}: ${reason}`),
      judge: (claim, proof, required) => this.authorship.check(claim, proof, required),
      cache: {
        map: this.#read,
        generation: this.authorship.generation,
        history: this.#history.read,
      },
      origins: this.#history.originsOf,
      previous,
      known: this.#history.known,
    }
  }

  /** Takes note of what a change touched: `#messages` is worked out again on the next look. */
  #touch(touched: Touched): void {
    if (touched === 'all') this.#touched = 'all'
    else if (this.#touched !== 'all') for (const id of touched) this.#touched.add(id)
    // Nothing a message is read from changed (say, receipts only): the list stays as it is.
    if (this.#touched !== 'all' && this.#touched.size === 0 && this.#messages) return
    if (this.#messages) {
      this.#last = { messages: this.#messages, newest: this.#newest }
      this.#before = undefined
    }
    this.#messages = undefined
    this.#newest = undefined
  }

  /**
   * Resolves once the messages are read with every signature check that could finish done
   * (checks waiting for a writer's key to arrive are not waited for).
   */
  async verified(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      this.messages()
      if (this.#waiting.size === 0) return
      await this.authorship.settled()
    }
  }

  message(id: string): ChatMessage | undefined {
    this.messages()
    return this.#rows?.get(id)
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
    const messages = this.messages()
    // The same list as last time has nothing new.
    if (messages === this.#taken) return []
    this.#taken = messages
    const fresh = messages.filter((m) => !this.#seen.has(m.id))
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

/** The messages a change touched, by ID, or all (the messages map itself was replaced). */
type Touched = ReadonlySet<string> | 'all'

function touchedMessages(patches: readonly { path: readonly (string | number)[] }[]): Touched {
  const touched = new Set<string>()
  for (const { path } of patches) {
    if (path[0] !== 'messages') continue
    if (path.length < 2) return 'all'
    touched.add(String(path[1]))
  }
  return touched
}
