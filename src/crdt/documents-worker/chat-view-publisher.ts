import { hopMark } from '../../lib/hop-marks.ts'
import type { WorkplaceChat } from '../chat/workplace-chat.ts'
import type { ChatMessage } from '../chat/message-view.ts'
import type { ReceiptView } from '../chat/receipt-view.ts'
import type { ChatViewUpdate } from './documents-worker-protocol.ts'

/**
 * Sends the page what changed in a chat's view: WorkplaceChat keeps a message's object (and its
 * receipt view) while it is unchanged, so comparing objects finds what to send. A burst of
 * changes is sent as one update, a task later. Receipts are sent for this member's own messages
 * only, the ones the page shows them for: working out every message's receipt on every update
 * was most of the worker's time in a busy chat. Messages from others that just arrived (for
 * notifications) go with the update that shows them, not in a message of their own.
 */
export class ChatViewPublisher {
  readonly #chat: WorkplaceChat
  readonly #send: (update: ChatViewUpdate) => void
  #order: string[] = []
  readonly #messages = new Map<string, ChatMessage>()
  readonly #receipts = new Map<string, ReceiptView | undefined>()
  #last: Omit<ChatViewUpdate, 'order' | 'messages' | 'receipts'> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Arrived since the last update: sent with the next. */
  #incoming: ChatMessage[] = []
  readonly #off: () => void

  constructor(chat: WorkplaceChat, send: (update: ChatViewUpdate) => void) {
    this.#chat = chat
    this.#send = send
    this.#off = chat.on('change', () => this.#schedule())
  }

  /** Sends what changed now (before a call's reply, so the page sees its effect with it). */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const update = this.#diff(this.#incoming.length > 0)
    for (const m of update?.messages ?? []) hopMark('w-view', m.text)
    if (!update) return
    if (this.#incoming.length > 0) {
      update.incoming = this.#incoming
      this.#incoming = []
    }
    this.#send(update)
  }

  /** Messages from others that just arrived, sent with the update that shows them. */
  incoming(messages: readonly ChatMessage[]): void {
    this.#incoming.push(...messages)
    this.#schedule()
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#off()
  }

  #schedule(): void {
    if (this.#timer === undefined) hopMark('w-change', '')
    this.#timer ??= setTimeout(() => this.flush(), 0)
  }

  /** What changed since the last update; undefined if nothing did, unless `always`. */
  #diff(always: boolean): ChatViewUpdate | undefined {
    const messages = this.#chat.messages()
    const changed: ChatMessage[] = []
    const receipts: [string, ReceiptView | null][] = []
    let sameOrder = messages.length === this.#order.length
    const present = new Set<string>()
    const self = this.#chat.self
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!
      present.add(message.id)
      if (sameOrder && this.#order[i] !== message.id) sameOrder = false
      if (this.#messages.get(message.id) !== message) {
        this.#messages.set(message.id, message)
        changed.push(message)
      }
      // The page shows receipts of this member's own messages only (ChatPanel, saved-window.ts).
      if (message.author !== self) continue
      const receipt = this.#chat.receipt(message.id)
      if (!this.#receipts.has(message.id) || this.#receipts.get(message.id) !== receipt) {
        this.#receipts.set(message.id, receipt)
        receipts.push([message.id, receipt ?? null])
      }
    }
    let order: Pick<ChatViewUpdate, 'order' | 'dropped' | 'splice'> = {}
    if (!sameOrder) {
      for (const id of this.#messages.keys()) {
        if (present.has(id)) continue
        this.#messages.delete(id)
        this.#receipts.delete(id)
      }
      const next = messages.map((m) => m.id)
      order = orderChange(this.#order, next)
      this.#order = next
    }
    const rest = {
      hasOlder: this.#chat.hasOlder(),
      unread: this.#chat.unreadCount(),
      firstUnread: this.#chat.firstUnread()?.id ?? null,
    }
    const last = this.#last
    const restSame =
      last !== undefined &&
      last.hasOlder === rest.hasOlder &&
      last.unread === rest.unread &&
      last.firstUnread === rest.firstUnread
    if (!always && sameOrder && changed.length === 0 && receipts.length === 0 && restSame)
      return undefined
    this.#last = rest
    return {
      ...order,
      messages: changed,
      receipts,
      ...rest,
    }
  }
}

/**
 * How `next` differs from `before`: IDs dropped from the start (the window moving on), then
 * one run of IDs replaced (new messages, at the end or a little before it when they arrive out
 * of order; one deleted). The whole order when `next` does not start within `before` (older
 * messages came in above).
 */
export function orderChange(
  before: readonly string[],
  next: readonly string[],
): Pick<ChatViewUpdate, 'order' | 'dropped' | 'splice'> {
  const dropped = next.length === 0 ? -1 : before.indexOf(next[0]!)
  if (dropped < 0) return { order: [...next] }
  const kept = before.length - dropped
  const shorter = Math.min(kept, next.length)
  let same = 0
  while (same < shorter && before[dropped + same] === next[same]) same++
  let tail = 0
  while (tail < shorter - same && before[before.length - 1 - tail] === next[next.length - 1 - tail])
    tail++
  return {
    dropped,
    splice: {
      at: same,
      removed: kept - same - tail,
      inserted: next.slice(same, next.length - tail),
    },
  }
}
