import { Emitter } from '../../lib/emitter.ts'
import type { ChatApi } from './chat-api.ts'
import { compareHlc } from './hlc.ts'
import type { ChatMessage } from './message-view.ts'
import type { ReceiptView } from './receipt-view.ts'
import type { SavedChatWindow } from './saved-window.ts'
import type { WorkplaceChatEvents } from './workplace-chat.ts'

/**
 * A chat that is still opening, shown from the window this device saved when it last showed it
 * (saved-window.ts), then the live chat: reads switch over with one `change` once it shows at
 * least the saved window's newest message (or has loaded its recent history), so the list never
 * empties for a moment while signatures are checked; its events are passed on from then. Actions
 * wait for the live chat; marking messages read waits too (the list marks what it shows again
 * once the live chat shows).
 */
export class OpeningChat extends Emitter<WorkplaceChatEvents> implements ChatApi {
  readonly self: ChatApi['self']
  readonly #saved: SavedChatWindow
  readonly #ready: Promise<ChatApi>
  /** The live chat, once it is shown. */
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
        let settled = false
        const show = () => {
          if (this.#live || this.#closed || !(settled || this.#covers(chat))) return
          this.#live = chat
          this.emit('change', undefined)
        }
        this.#offs.push(
          chat.on('change', () => (this.#live ? this.emit('change', undefined) : show())),
          chat.on('incoming', (messages) => this.emit('incoming', messages)),
        )
        show()
        chat.settled().then(
          () => ((settled = true), show()),
          () => ((settled = true), show()),
        )
      },
      // The saved window stays; actions report why the chat did not open.
      () => {},
    )
  }

  /** Whether the live chat shows the saved window's newest message (or something newer). */
  #covers(chat: ChatApi): boolean {
    const newest = this.#saved.messages.at(-1)
    const shown = chat.messages().at(-1)
    return !newest || (shown !== undefined && compareHlc(shown.hlc, newest.hlc) >= 0)
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
