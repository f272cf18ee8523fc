import { Emitter } from '../../lib/emitter.ts'
import type { ChatApi } from './chat-api.ts'
import type { ChatMessage } from './message-view.ts'
import type { ReceiptView } from './receipt-view.ts'
import type { SavedChatWindow } from './saved-window.ts'
import type { WorkplaceChatEvents } from './workplace-chat.ts'

/**
 * A chat that is still opening, shown from the window this device saved when it last showed it
 * (saved-window.ts), then, the moment the live chat is open, that chat: reads switch over with
 * one `change`, and its events are passed on. Actions wait for the live chat; marking messages
 * read waits too (the list marks what it shows again once the live chat shows).
 */
export class OpeningChat extends Emitter<WorkplaceChatEvents> implements ChatApi {
  readonly self: ChatApi['self']
  readonly #saved: SavedChatWindow
  readonly #ready: Promise<ChatApi>
  #live: ChatApi | undefined
  #byId: Map<string, ChatMessage> | undefined
  readonly #offs: (() => void)[] = []
  #closed = false

  constructor(saved: SavedChatWindow, live: Promise<ChatApi>) {
    super()
    this.self = saved.self
    this.#saved = saved
    this.#ready = live
    live.then(
      (chat) => {
        if (this.#closed) return
        this.#live = chat
        this.#offs.push(
          chat.on('change', () => this.emit('change', undefined)),
          chat.on('incoming', (messages) => this.emit('incoming', messages)),
        )
        this.emit('change', undefined)
      },
      // The saved window stays; actions report why the chat did not open.
      () => {},
    )
  }

  /** Whether the live chat is shown (else the saved window). */
  get live(): boolean {
    return this.#live !== undefined
  }

  messages(): readonly ChatMessage[] {
    return this.#live ? this.#live.messages() : this.#saved.messages
  }

  message(id: string): ChatMessage | undefined {
    if (this.#live) return this.#live.message(id)
    this.#byId ??= new Map(this.#saved.messages.map((m) => [m.id, m]))
    return this.#byId.get(id)
  }

  hasOlder(): boolean {
    return this.#live ? this.#live.hasOlder() : this.#saved.hasOlder
  }

  async loadOlder(): Promise<boolean> {
    return (await this.#ready).loadOlder()
  }

  async reveal(id: string): Promise<boolean> {
    return (await this.#ready).reveal(id)
  }

  async send(text: string, options?: { replyTo?: string }): Promise<ChatMessage> {
    return (await this.#ready).send(text, options)
  }

  async edit(id: string, text: string): Promise<void> {
    return (await this.#ready).edit(id, text)
  }

  async deleteMessage(id: string): Promise<void> {
    return (await this.#ready).deleteMessage(id)
  }

  async toggleReaction(id: string, emoji: string): Promise<void> {
    return (await this.#ready).toggleReaction(id, emoji)
  }

  receipt(id: string): ReceiptView | undefined {
    return this.#live ? this.#live.receipt(id) : this.#saved.receipts[id]
  }

  unreadCount(): number {
    return this.#live ? this.#live.unreadCount() : this.#saved.unread
  }

  firstUnread(): ChatMessage | undefined {
    if (this.#live) return this.#live.firstUnread()
    const id = this.#saved.firstUnread
    return id === undefined ? undefined : this.message(id)
  }

  markRead(): void {
    this.#live?.markRead()
  }

  markReadSoon(): void {
    this.#live?.markReadSoon()
  }

  async settled(): Promise<void> {
    return (await this.#ready).settled()
  }

  /** Stops passing the live chat's events on; the chat itself belongs to whoever opened it. */
  async close(): Promise<void> {
    this.#closed = true
    for (const off of this.#offs.splice(0)) off()
    this.removeAllListeners()
  }
}
