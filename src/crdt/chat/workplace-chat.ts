import { ImmutableString, type DocHandle, type Repo } from '@automerge/automerge-repo'
import { Emitter } from '../../lib/emitter.ts'
import { changeKey, hopMark, hopsOn } from '../../lib/hop-marks.ts'
import { getLastLocalChange } from '@automerge/automerge/slim'
import type { PeerId } from '../../peer/ids.ts'
import type { Authorship } from '../authorship/authorship.ts'
import { randomId } from '../membership/sign.ts'
import { deleteClaim, editClaim, messageClaim, reactionClaim } from './chat-claims.ts'
import { ChatError } from './chat-error.ts'
import type { ChatIndexDoc, ShardDoc } from './chat-doc.ts'
import { openIndex } from './chat-index-open.ts'
import { ChatMarks } from './chat-marks.ts'
import { HybridClock, hlcTime } from './hlc.ts'
import type { LoadedShard } from './loaded-shard.ts'
import { isEmoji, reactionClock, reactionKey, reactionValue } from './message-reactions.ts'
import { compareMessages, textError, type ChatMessage } from './message-view.ts'
import { inOrder } from './message-order.ts'
import { ReceiptWriter } from './receipt-writer.ts'
import type { ReceiptView } from './receipt-view.ts'
import { HISTORY_DELAYS, type HistoryDelays } from './shard-history.ts'
import type { ShardRegistrar } from './shard-registrar.ts'
import { ShardWindow } from './shard-window.ts'

/** What the chat needs of a workplace (src/crdt/workplace/workplace.ts satisfies it). */
interface ChatWorkplace {
  readonly id: string
  readonly self: PeerId
  /** Signs this member's records and judges everyone's (src/crdt/authorship). */
  readonly authorship: Authorship
  openDoc<T>(key: string): Promise<DocHandle<T>>
  members(): readonly { peer: PeerId }[]
  on(event: 'change', listener: () => void): () => void
}

export interface WorkplaceChatOptions {
  workplace: ChatWorkplace
  repo: Repo
  /** Makes shard documents shareable with members (see shard-registrar.ts). */
  register: ShardRegistrar
  now?: () => number
  /** After opening, older shards load until there are at least this many messages… */
  pageSize?: number
  /** …and, at most this many shards in all, back to where this member stopped reading. */
  maxInitialShards?: number
  /** Receipts wait this long after a quiet spell (delivered and read together, in one change)… */
  receiptDelayMs?: number
  /** …and are written at most this often while messages keep coming. */
  receiptIntervalMs?: number
  /** When each shard's history is read (default `HISTORY_DELAYS`, shard-history.ts). */
  historyDelays?: HistoryDelays
  /** Sends a local change to linked members ahead of sync, so that it shows there at once. */
  push?: (handle: DocHandle<unknown>) => void
  /**
   * Aborted when whoever opens the chat closes it first (the workplace was left): `open` stops
   * waiting for the chat to exist and rejects.
   */
  signal?: AbortSignal
}

export interface WorkplaceChatEvents extends Record<string, unknown> {
  change: void
  /** Messages from others that just arrived (not history loaded on open or on scroll). */
  incoming: ChatMessage[]
}

/** Fresh messages older than this before the chat opened are history, not news. */
const NEWS_SLACK_MS = 60_000

/**
 * One workplace's chat on this device. `open` resolves once the newest shard is loaded; the rest
 * of the recent history follows in the background (`settled`). Writes this member's delivery
 * receipts as shards change, and read receipts when told the messages were seen.
 */
export class WorkplaceChat extends Emitter<WorkplaceChatEvents> {
  readonly #o: Required<Omit<WorkplaceChatOptions, 'now' | 'push' | 'signal'>>
  readonly #push: (handle: DocHandle<unknown>) => void
  readonly #window: ShardWindow
  readonly #clock: HybridClock
  readonly #openedAt: number
  readonly #receiptWriter: ReceiptWriter
  readonly #marks: ChatMarks
  readonly #offs: (() => void)[] = []
  #settled: Promise<void> = Promise.resolve()
  /** The sorted messages and the shards' lists they were made of. */
  #sorted: { from: ChatMessage[][]; messages: ChatMessage[] } | undefined
  #closed = false

  private constructor(options: WorkplaceChatOptions, index: DocHandle<ChatIndexDoc>) {
    super()
    const now = options.now ?? Date.now
    const { push, ...rest } = options
    this.#o = {
      pageSize: 50,
      maxInitialShards: 12,
      receiptDelayMs: 250,
      receiptIntervalMs: 1000,
      historyDelays: HISTORY_DELAYS,
      ...rest,
    }
    this.#push = push ?? (() => {})
    this.#clock = new HybridClock(now)
    const authorship = options.workplace.authorship
    this.#receiptWriter = new ReceiptWriter({
      self: options.workplace.self,
      delayMs: this.#o.receiptDelayMs,
      intervalMs: this.#o.receiptIntervalMs,
      change: (shard, edit) => this.#change(shard, edit),
    })
    this.#openedAt = now()
    const workplace = options.workplace
    this.#marks = new ChatMarks({
      self: workplace.self,
      authorship,
      members: () => workplace.members(),
      messages: () => this.messages(),
      loaded: () => this.#window.loaded(),
      shard: (key) => this.#window.get(key),
      writingRead: (shard, author) => this.#receiptWriter.writing(shard, 'read', author),
    })
    this.#window = new ShardWindow({
      repo: options.repo,
      authorship,
      index,
      register: options.register,
      listener: (shard, fresh, live) => this.#shardChanged(shard, fresh, live),
      now,
      historyDelays: this.#o.historyDelays,
    })
    const onIndex = () => this.#changed()
    index.on('change', onIndex)
    this.#offs.push(
      () => index.off('change', onIndex),
      options.workplace.on('change', () => {
        this.#marks.membersChanged()
        this.#changed()
      }),
      authorship.on('verified', () => {
        if (!this.#marks.takePending()) return
        // Only views that waited on a check change: they kept no basis, so they are worked out
        // again when next asked. (Dropping every view made each check that finished in a busy
        // chat work out the receipt of every message of this member's again.)
        this.#changed()
      }),
    )
  }

  /**
   * Opens the chat and its newest shard (waits for an owner to start the chat of a workplace
   * made before chat existed).
   */
  static async open(options: WorkplaceChatOptions): Promise<WorkplaceChat> {
    const chat = new WorkplaceChat(options, await openIndex(options.workplace, options.signal))
    await chat.#window.open()
    // This member's own read marks are checked too: the unread count is right from the start.
    await chat.#marks.unreadChecked()
    // The rest waits a task, so that whoever opened the chat can show the latest messages first.
    chat.#settled = new Promise((resolve) => setTimeout(resolve, 0))
      .then(() => chat.#window.follow())
      .then(() => chat.#fillInitialWindow())
      .catch((error: unknown) => console.error('chat: could not load recent history', error))
    return chat
  }

  get self(): PeerId {
    return this.#o.workplace.self
  }

  /** Resolves when the history loaded after opening is in. */
  settled(): Promise<void> {
    return this.#settled
  }

  /**
   * Loaded messages in their stable order: (timestamp, author, ID). The same array while no
   * shard's messages changed (a receipt arriving leaves it), so that readers can skip work.
   */
  messages(): readonly ChatMessage[] {
    const lists = [...this.#window.loaded()].map((s) => s.messages())
    const sorted = this.#sorted
    if (
      sorted &&
      sorted.from.length === lists.length &&
      sorted.from.every((l, i) => l === lists[i])
    ) {
      return sorted.messages
    }
    this.#sorted = { from: lists, messages: inOrder(lists.flat(), sorted?.messages) }
    return this.#sorted.messages
  }

  message(id: string): ChatMessage | undefined {
    return this.#lookup(id)?.message
  }

  /** The chat's documents open on this device (the index and loaded shards), for sync status. */
  handles(): DocHandle<unknown>[] {
    return [
      this.#window.index,
      ...[...this.#window.loaded()].map((s) => s.handle),
    ] as DocHandle<unknown>[]
  }

  /** Keys of the shards loaded on this device. */
  loadedShards(): string[] {
    return [...this.#window.loaded()].map((s) => s.key.key)
  }

  hasOlder(): boolean {
    return this.#window.hasOlder()
  }

  /** Loads the next older shard; false when there is none. */
  loadOlder(): Promise<boolean> {
    return this.#window.loadOlder()
  }

  /** Loads older shards until the message is loaded; false if it is nowhere. */
  async reveal(id: string): Promise<boolean> {
    while (!this.message(id)) if (!(await this.loadOlder())) return false
    return true
  }

  async send(text: string, options: { replyTo?: string } = {}): Promise<ChatMessage> {
    this.#checkText(text)
    if (options.replyTo !== undefined) {
      const parent = this.message(options.replyTo)
      if (!parent) throw new ChatError('unknown-message', 'The message replied to is not loaded.')
      this.#clock.observe(parent.hlc)
    }
    const hlc = this.#clock.next()
    const shard = await this.#window.writable(
      Math.floor(hlcTime(hlc) / this.#window.settings.bucketMs),
    )
    if (this.#closed) throw new ChatError('closed', 'The chat is closed.')
    const id = randomId()
    const claim = messageClaim(shard.key.key, id, this.self, hlc, text, options.replyTo)
    const { peer: _self, ...unsigned } = claim
    hopMark('c-signing', text)
    const proof = await this.#authorship.sign(unsigned)
    hopMark('c-signed', text)
    if (this.#closed) throw new ChatError('closed', 'The chat is closed.')
    this.#change(shard, (d) => {
      d.messages[id] = {
        a: new ImmutableString(this.self),
        t: new ImmutableString(hlc),
        x: new ImmutableString(text),
        s: new ImmutableString(proof),
        ...(options.replyTo ? { r: new ImmutableString(options.replyTo) } : {}),
        // Everyone may react, so the author creates the map (two members creating it at once
        // would each make their own, and one would win). Only the author writes `ed`/`del`.
        re: {},
      }
    })
    if (hopsOn()) {
      const change = getLastLocalChange(shard.handle.doc()!)
      if (change) hopMark('c-link', `${text}|${changeKey(change)}`)
    }
    await shard.verified()
    return shard.message(id)!
  }

  /**
   * Replaces the text of one of this member's messages. Refuses at once (throws) what it may
   * not do; the returned promise settles once the signed edit is written.
   */
  edit(id: string, text: string): Promise<void> {
    this.#checkText(text)
    const { shard } = this.#own(id, 'edit')
    const t = this.#clock.next()
    const { peer: _self, ...claim } = editClaim(shard.key.key, id, this.self, t, text)
    return this.#authorship.sign(claim).then((proof) =>
      this.#change(shard, (d) => {
        const m = shard.record(d, id)
        m.ed ??= {}
        m.ed[this.self] = {
          x: new ImmutableString(text),
          t: new ImmutableString(t),
          s: new ImmutableString(proof),
        }
      }),
    )
  }

  /**
   * Deletes one of this member's messages: its text is emptied for everyone. Refuses at once
   * (throws) what it may not do; the promise settles once the signed deletion is written.
   */
  deleteMessage(id: string): Promise<void> {
    const { shard } = this.#own(id, 'delete')
    const t = this.#clock.next()
    const { peer: _self, ...claim } = deleteClaim(shard.key.key, id, this.self, t)
    return this.#authorship.sign(claim).then((proof) =>
      this.#change(shard, (d) => {
        const m = shard.record(d, id)
        m.del ??= {}
        m.del[this.self] = { t: new ImmutableString(t), s: new ImmutableString(proof) }
        m.x = new ImmutableString('')
        if (m.ed) delete m.ed[this.self]
      }),
    )
  }

  /**
   * Adds this member's reaction, or takes it back if it is there: either way a signed state,
   * newer than the last this member wrote (a take-back is signed too, so that nobody else can
   * remove a member's reaction). Refuses at once (throws) what it may not do; the promise
   * settles once the change is written.
   */
  toggleReaction(id: string, emoji: string): Promise<void> {
    if (!isEmoji(emoji)) throw new ChatError('bad-emoji', 'That is not a reaction.')
    const { shard, message } = this.#find(id)
    if (message.deleted) throw new ChatError('deleted', 'That message was deleted.')
    const key = reactionKey(this.self, emoji)
    const on = !message.reactions.some((r) => r.emoji === emoji && r.peers.includes(this.self))
    const stored: unknown = shard.doc?.messages?.[id]?.re?.[key]
    const before = reactionClock(stored)
    if (before !== undefined) this.#clock.observe(before)
    const state = { on, hlc: this.#clock.next() }
    const { peer: _self, ...claim } = reactionClaim(shard.key.key, id, this.self, emoji, state)
    return this.#authorship.sign(claim).then((proof) =>
      this.#change(shard, (d) => {
        const m = shard.record(d, id)
        m.re ??= {}
        m.re[key] = new ImmutableString(reactionValue(state, proof))
      }),
    )
  }

  /** Who has (and has seen) a message, from the members' replicated receipts. */
  receipt(id: string): ReceiptView | undefined {
    const found = this.#lookup(id)
    return found && this.#marks.receipt(found)
  }

  /** Loaded messages from others that this member has not seen. */
  unreadCount(): number {
    return this.#marks.unread().length
  }

  /** The oldest unread message, where an "unread" marker goes. */
  firstUnread(): ChatMessage | undefined {
    return this.#marks.unread()[0]
  }

  /** Records now that this member has seen every loaded message. */
  markRead(): void {
    this.markReadSoon()
    this.#receiptWriter.flush()
  }

  /**
   * Records that this member has seen every message loaded now, with the next receipts: a reader
   * following a busy chat writes one change per `receiptDelayMs`, not one per message.
   */
  markReadSoon(): void {
    this.#receiptWriter.shown(this.#window.loaded())
  }

  /** Stops following; resolves once shards still being opened are in (before a repo shuts down). */
  async close(): Promise<void> {
    this.#closed = true
    await this.#receiptWriter.close()
    for (const off of this.#offs.splice(0)) off()
    this.#window.close()
    await this.#settled
  }

  get #authorship(): Authorship {
    return this.#o.workplace.authorship
  }

  #change(shard: LoadedShard, edit: (doc: ShardDoc) => void): void {
    shard.handle.change(edit)
    this.#push(shard.handle as DocHandle<unknown>)
  }

  #checkText(text: string): void {
    if (text.trim() === '') throw new ChatError('empty', 'Write something first.')
    const tooLong = textError(text)
    if (tooLong) throw new ChatError('too-long', tooLong)
  }

  #lookup(id: string): { shard: LoadedShard; message: ChatMessage } | undefined {
    for (const shard of this.#window.loaded()) {
      const message = shard.message(id)
      if (message) return { shard, message }
    }
    return undefined
  }

  #find(id: string): { shard: LoadedShard; message: ChatMessage } {
    const found = this.#lookup(id)
    if (!found) throw new ChatError('unknown-message', 'That message is not loaded.')
    return found
  }

  #own(id: string, what: string): { shard: LoadedShard; message: ChatMessage } {
    const found = this.#find(id)
    if (found.message.author !== this.self) {
      throw new ChatError('not-author', `Only its author can ${what} a message.`)
    }
    if (found.message.deleted) throw new ChatError('deleted', 'That message was deleted.')
    return found
  }

  /**
   * After the newest shard: the rest of its bucket, then older shards until there is a page of
   * messages and (within limits) back to where this member stopped reading, so that the unread
   * count and marker cover what is new to them.
   */
  async #fillInitialWindow(): Promise<void> {
    for (;;) {
      if (this.#closed || this.loadedShards().length >= this.#o.maxInitialShards) return
      const all = this.messages()
      const fromOthers = all.filter((m) => m.author !== this.self).length
      // This member's read marks are checked like anyone's: wait for the checks to count them.
      const unread = (await this.#marks.unreadChecked()).length
      const reachedReading = fromOthers === 0 || unread < fromOthers
      if (all.length >= this.#o.pageSize && reachedReading) return
      if (!(await this.loadOlder())) return
    }
  }

  #shardChanged(shard: LoadedShard, fresh: ChatMessage[], live: boolean): void {
    if (this.#closed) return
    for (const m of fresh) this.#clock.observe(m.hlc)
    for (const m of fresh) hopMark('c-fresh', m.text)
    // Delivered marks follow the messages shown (a message shows once its signature is checked).
    if (fresh.length > 0) this.#receiptWriter.shardChanged(shard)
    this.#changed()
    const news = fresh.filter(
      (m) => m.author !== this.self && !m.deleted && m.at >= this.#openedAt - NEWS_SLACK_MS,
    )
    if (live && news.length > 0) this.emit('incoming', news.sort(compareMessages))
  }

  #changed(): void {
    this.emit('change', undefined)
  }
}
