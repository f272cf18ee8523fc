import type { DocHandle } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { Authorship } from '../authorship/authorship.ts'
import { ImmutableString } from '@automerge/automerge-repo'
import { ChatError } from './chat-error.ts'
import type { ShardDoc, ShardKey } from './chat-doc.ts'
import type { Hlc } from './hlc.ts'
import { RecordOrigins } from '../authorship/record-origins.ts'
import type { MessageHistory } from './message-history.ts'
import {
  fromHistory,
  readShardMessages,
  type ChatMessage,
  type Origins,
  type ReadCache,
} from './message-view.ts'
import { newestByAuthor, type RecalledMarks } from './receipts.ts'
import { ReceiptRecall } from './receipt-recall.ts'

/**
 * An unsigned message's history is looked up this long after it is read (an older workplace's
 * messages are not worth reading the history for while a chat opens), and the history caught up
 * this long after changes arrive (messages created and removed while this device was away).
 */
const ORIGINS_DELAY_MS = 500
/**
 * The shard's history is read this long after the shard is first read, once the chat has shown:
 * to find messages someone removed before this device opened it.
 */
const SWEEP_DELAY_MS = 2000

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
  /** Where messages came from, for those someone overwrote or removed. */
  readonly #origins = new RecordOrigins('messages', ['a', 't', 'x', 'r', 's'], {
    writes: ['re'],
    roots: ['delivered', 'read'],
  })
  #originsTimer: ReturnType<typeof setTimeout> | undefined
  /**
   * IDs of messages read before or found in the history: one missing from the map was removed
   * by someone other than its author, and is read from its history.
   */
  readonly #known = new Set<string>()
  /** IDs of messages read as genuine before: one that no longer is gets its history read now. */
  readonly #genuine = new Set<string>()
  #before: Map<string, ChatMessage> | undefined
  /** Receipt marks held before or found in the history. */
  readonly #recall = new ReceiptRecall()
  #recalled: { doc: ShardDoc | undefined; history: boolean } | undefined
  readonly #listener: () => void
  readonly #offs: (() => void)[] = []
  #messages: ChatMessage[] | undefined
  #pending = false
  #byId: Map<string, ChatMessage> | undefined
  #newest: Map<PeerId, Hlc> | undefined
  #started = false
  #closed = false
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
   */
  constructor(
    key: ShardKey,
    handle: DocHandle<ShardDoc>,
    authorship: Authorship,
    onChange: (shard: LoadedShard, fresh: ChatMessage[]) => void,
  ) {
    this.key = key
    this.handle = handle
    this.authorship = authorship
    const listener = (this.#listener = () => {
      this.#observeMarks()
      // Messages created and removed while this device was away are found in the history.
      if (this.#origins.read) this.#lookSoon(ORIGINS_DELAY_MS)
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
      const wasRead = this.#origins.read
      let read = this.#readMessages()
      // Unsigned messages: some may have been stripped of their proof (even every message of
      // the shard), so the history is read before they are first shown, and they show as what
      // it says at once (as signed, or unverified for an older workplace's), never as unverified
      // for a moment and then otherwise.
      if (!this.#origins.read && read.messages.some((m) => !m.verified)) this.#catchUp()
      // Read for the first time (here or for some message): every message is read again with it.
      if (!wasRead && this.#origins.read) {
        this.#catchUp()
        read = this.#readMessages()
      }
      if (!this.#origins.read) this.#lookSoon(SWEEP_DELAY_MS)
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
      const shown = new Set<string>()
      for (const m of read.messages) {
        shown.add(m.id)
        this.#known.add(m.id)
        if (m.verified) this.#genuine.add(m.id)
      }
      // A known ID that is gone and reads as nothing from its history is not looked for again.
      const map = this.doc?.messages
      if (!read.pending && this.#known.size > shown.size) {
        for (const id of this.#known) {
          if (
            !shown.has(id) &&
            !(typeof map === 'object' && map !== null && Object.hasOwn(map, id))
          )
            this.#known.delete(id)
        }
      }
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
      { map: this.#read, generation: this.authorship.generation, history: this.#origins.read },
      this.#originsOf,
      (id) => this.#previous(id),
      this.#known,
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

  #observeMarks(): void {
    const doc = this.doc
    const history = this.#origins.read
    const seen = this.#recalled
    if (seen && seen.doc === doc && seen.history === history) return
    this.#recalled = { doc, history }
    const writes =
      doc && history ? (root: string) => this.#origins.rootWrites(doc, root) : undefined
    this.#recall.observe(doc, writes)
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
    const history = this.#originsOf(id, 'now')
    const judge = this.authorship.check.bind(this.authorship)
    const found = history && fromHistory(id, history, this.key.key, judge)
    if (!found?.record) throw new ChatError('unknown-message', 'That message is not readable.')
    if (typeof d.messages !== 'object' || d.messages === null) d.messages = {}
    d.messages[id] = stored(found.record) as ShardDoc['messages'][string]
    return d.messages[id]
  }

  /** The messages not returned by an earlier call. */
  takeFresh(): ChatMessage[] {
    const fresh = this.messages().filter((m) => !this.#seen.has(m.id))
    for (const m of fresh) this.#seen.add(m.id)
    return fresh
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#originsTimer)
    for (const off of this.#offs.splice(0)) off()
  }

  /** The message as the last read before the latest change showed it. */
  #previous(id: string): ChatMessage | undefined {
    this.#before ??= new Map(this.#last?.messages.map((m) => [m.id, m]))
    return this.#before.get(id)
  }

  /**
   * A message's history: see `Origins`. It is read at once for a message that this device saw
   * genuine and now reads otherwise, or saw deleted or edited and now does not.
   */
  readonly #originsOf: Origins = (id, need, current): MessageHistory | undefined => {
    const was = need === 'if-read' && !this.#origins.read ? this.#previous(id) : undefined
    const now =
      need === 'now' ||
      (need === 'soon' && this.#genuine.has(id)) ||
      (was !== undefined && (was.deleted || was.edited || lostReaction(was, current)))
    if (!now && !this.#origins.read) {
      if (need === 'soon') this.#lookSoon(ORIGINS_DELAY_MS)
      return undefined
    }
    const doc = this.handle.doc()
    return {
      count: this.#origins.count(doc, id),
      signed: this.#origins.versions(doc, id).some((v) => v.s !== undefined),
      parts: () => this.#origins.parts(doc, id),
      reactions: () => this.#origins.writes(doc, id),
    }
  }

  /** Reads the history (what was added since it was last read) in a moment, then looks again. */
  #lookSoon(delayMs: number): void {
    if (this.#closed) return
    this.#originsTimer ??= setTimeout(() => {
      if (this.handle.isReady()) {
        const first = !this.#origins.read
        const gone = this.#catchUp()
        if (first || gone) this.#listener()
      }
      this.#originsTimer = undefined
    }, delayMs)
  }

  /**
   * Reads the history up to now; every message ever created in it is known from then on.
   * Returns whether some newly known message is not in the map.
   */
  #catchUp(): boolean {
    const doc = this.handle.doc()
    const map: unknown = doc.messages
    let gone = false
    for (const id of this.#origins.keys(doc)) {
      if (this.#known.has(id)) continue
      this.#known.add(id)
      gone ||= typeof map !== 'object' || map === null || !Object.hasOwn(map, id)
    }
    return gone
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

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
