import { Emitter } from '../../lib/emitter.ts'
import { hopMark } from '../../lib/hop-marks.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { ChatApi } from '../chat/chat-api.ts'
import type { ChatMessage } from '../chat/message-view.ts'
import type { ReceiptView } from '../chat/receipt-view.ts'
import type { WorkplaceChatEvents } from '../chat/workplace-chat.ts'
import type { ChatCall, ChatViewUpdate } from './documents-worker-protocol.ts'

/**
 * How often `markReadSoon` goes to the worker at most. The panel calls it after every render
 * at the bottom of the chat, so once per message in a busy chat, while the receipts it leads to
 * are written once a second at most (WorkplaceChat's `receiptIntervalMs`): the calls between
 * are folded into one at the end of the interval.
 */
export const READ_SOON_PACE_MS = 250

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
  /** While set, `markReadSoon` waits for it; `readSoonAgain`: it was asked meanwhile. */
  #readSoonPace: ReturnType<typeof setTimeout> | undefined
  #readSoonAgain = false

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
    } else if (update.append) {
      const dropped = this.#messages.slice(0, update.dropped ?? 0)
      for (const message of dropped) {
        this.#byId.delete(message.id)
        this.#receipts.delete(message.id)
      }
      const added = update.append.map((id) => this.#byId.get(id))
      const kept = this.#messages.slice(dropped.length)
      this.#messages = [
        ...(update.messages.length > 0 ? kept.map((m) => this.#byId.get(m.id) ?? m) : kept),
        ...added.filter((m): m is ChatMessage => m !== undefined),
      ]
    } else if (update.messages.length > 0) {
      this.#messages = this.#messages.map((m) => this.#byId.get(m.id) ?? m)
    }
    this.#hasOlder = update.hasOlder
    this.#unread = update.unread
    this.#firstUnread = update.firstUnread
    this.emit('change', undefined)
    if (update.incoming?.length) this.emit('incoming', update.incoming)
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
    // Marks everything loaded now, so a paced markReadSoon has nothing left to add.
    this.#readSoonAgain = false
    this.#forget(this.#call({ method: 'markRead', args: [] }))
  }

  markReadSoon(): void {
    if (this.#readSoonPace !== undefined) {
      this.#readSoonAgain = true
      return
    }
    this.#forget(this.#call({ method: 'markReadSoon', args: [] }))
    this.#readSoonPace = setTimeout(() => {
      this.#readSoonPace = undefined
      if (!this.#readSoonAgain) return
      this.#readSoonAgain = false
      this.markReadSoon()
    }, READ_SOON_PACE_MS)
  }

  async settled(): Promise<void> {
    await this.#call({ method: 'settled', args: [] })
  }

  close(): Promise<void> {
    clearTimeout(this.#readSoonPace)
    this.#readSoonPace = undefined
    this.removeAllListeners()
    return this.#close()
  }

  #forget(call: Promise<unknown>): void {
    call.catch((error: unknown) => console.warn('chat: read marks not written', error))
  }
}
