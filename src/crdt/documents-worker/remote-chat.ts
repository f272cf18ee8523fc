import { Emitter } from '../../lib/emitter.ts'
import { hopMark } from '../../lib/hop-marks.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { ChatApi } from '../chat/chat-api.ts'
import type { ChatMessage } from '../chat/message-view.ts'
import type { ReceiptView } from '../chat/receipt-view.ts'
import type { WorkplaceChatEvents } from '../chat/workplace-chat.ts'
import type { ChatCall, ChatViewUpdate } from './documents-worker-protocol.ts'

/**
 * A workplace's chat running in the documents worker, as the page sees it: a mirror of its loaded
 * window, kept by the worker's view updates (unchanged messages keep their objects, so the UI
 * re-renders only what changed), and its actions sent as calls.
 */
export class RemoteChat extends Emitter<WorkplaceChatEvents> implements ChatApi {
  readonly self: PeerId
  readonly #call: (request: ChatCall) => Promise<unknown>
  readonly #close: () => Promise<void>
  #byId = new Map<string, ChatMessage>()
  #messages: ChatMessage[] = []
  readonly #receipts = new Map<string, ReceiptView>()
  #hasOlder = false
  #unread = 0
  #firstUnread: string | null = null

  constructor(options: {
    self: PeerId
    call: (request: ChatCall) => Promise<unknown>
    close: () => Promise<void>
  }) {
    super()
    this.self = options.self
    this.#call = options.call
    this.#close = options.close
  }

  /** Takes in the worker's update of the view. */
  apply(update: ChatViewUpdate): void {
    for (const message of update.messages) this.#byId.set(message.id, message)
    for (const [id, receipt] of update.receipts) {
      if (receipt) this.#receipts.set(id, receipt)
      else this.#receipts.delete(id)
    }
    if (update.order) {
      const kept = new Map<string, ChatMessage>()
      for (const id of update.order) {
        const message = this.#byId.get(id)
        if (message) kept.set(id, message)
      }
      for (const id of this.#receipts.keys()) if (!kept.has(id)) this.#receipts.delete(id)
      this.#byId = kept
      this.#messages = [...kept.values()]
    } else if (update.splice || update.messages.length > 0) {
      this.#messages = this.#changedInPlace(update)
    }
    this.#hasOlder = update.hasOlder
    this.#unread = update.unread
    this.#firstUnread = update.firstUnread
    this.emit('change', undefined)
    if (update.incoming?.length) this.emit('incoming', update.incoming)
  }

  /**
   * The order after an update that dropped some from its start and spliced one run: work in
   * proportion to what changed, not to the messages loaded (a busy chat is updated many times
   * a second, and a late arrival goes in before the newest).
   */
  #changedInPlace(update: ChatViewUpdate): ChatMessage[] {
    const dropped = update.dropped ?? 0
    // Taken out by this update; forgotten at the end unless put back in by it (moved).
    let gone = this.#messages.slice(0, dropped)
    let next = this.#messages.slice(dropped)
    const inserted = new Set<string>()
    if (update.splice) {
      const { at, removed, inserted: ids } = update.splice
      const added: ChatMessage[] = []
      for (const id of ids) {
        const message = this.#byId.get(id)
        if (!message) continue
        added.push(message)
        inserted.add(id)
      }
      if (removed > 0) gone = gone.concat(next.slice(at, at + removed))
      if (removed === 0 && at === next.length) for (const message of added) next.push(message)
      // Not `splice(at, removed, ...added)`: a long run would pass too many arguments.
      else next = [...next.slice(0, at), ...added, ...next.slice(at + removed)]
    }
    for (const message of gone) if (!inserted.has(message.id)) this.#forgetMessage(message.id)
    // Changed messages keep their place; the ones changed are nearly always among the newest.
    for (const message of update.messages) {
      if (inserted.has(message.id)) continue
      for (let i = next.length - 1; i >= 0; i--) {
        if (next[i]!.id !== message.id) continue
        next[i] = message
        break
      }
    }
    return next
  }

  #forgetMessage(id: string): void {
    this.#byId.delete(id)
    this.#receipts.delete(id)
  }

  messages(): readonly ChatMessage[] {
    return this.#messages
  }

  message(id: string): ChatMessage | undefined {
    return this.#byId.get(id)
  }

  hasOlder(): boolean {
    return this.#hasOlder
  }

  receipt(id: string): ReceiptView | undefined {
    return this.#receipts.get(id)
  }

  unreadCount(): number {
    return this.#unread
  }

  firstUnread(): ChatMessage | undefined {
    return this.#firstUnread === null ? undefined : this.#byId.get(this.#firstUnread)
  }

  async loadOlder(): Promise<boolean> {
    return (await this.#call({ method: 'loadOlder', args: [] })) as boolean
  }

  async reveal(id: string): Promise<boolean> {
    return (await this.#call({ method: 'reveal', args: [id] })) as boolean
  }

  async send(text: string, options: { replyTo?: string } = {}): Promise<ChatMessage> {
    hopMark('p-send', text)
    const sent = (await this.#call({ method: 'send', args: [text, options] })) as ChatMessage
    return this.#byId.get(sent.id) ?? sent
  }

  async edit(id: string, text: string): Promise<void> {
    await this.#call({ method: 'edit', args: [id, text] })
  }

  async deleteMessage(id: string): Promise<void> {
    await this.#call({ method: 'deleteMessage', args: [id] })
  }

  async toggleReaction(id: string, emoji: string): Promise<void> {
    await this.#call({ method: 'toggleReaction', args: [id, emoji] })
  }

  markRead(): void {
    this.#forget(this.#call({ method: 'markRead', args: [] }))
  }

  markReadSoon(): void {
    this.#forget(this.#call({ method: 'markReadSoon', args: [] }))
  }

  async settled(): Promise<void> {
    await this.#call({ method: 'settled', args: [] })
  }

  close(): Promise<void> {
    this.removeAllListeners()
    return this.#close()
  }

  #forget(call: Promise<unknown>): void {
    call.catch((error: unknown) => console.warn('chat: read marks not written', error))
  }
}
