import { tick } from 'svelte'
import type { ChatApi } from '../../crdt/chat/chat-api.ts'
import type { ActionStatus } from '../action-status.svelte.ts'
import { anchorBefore, WINDOW_CONTEXT, WINDOW_PAGE, windowStart } from './message-window.ts'

/** The parts of the scrolling message list this reads and moves (an HTMLElement in the app). */
export interface ScrollBox {
  scrollTop: number
  readonly scrollHeight: number
  readonly clientHeight: number
}

/** What of the chat the list's scrolling needs. */
export type ScrolledChat = Pick<
  ChatApi,
  'firstUnread' | 'markRead' | 'markReadSoon' | 'hasOlder' | 'loadOlder' | 'reveal' | 'message'
>

/** Closer to the bottom than this many pixels counts as at the bottom. */
const BOTTOM_SLACK = 48
/** Scrolled closer to the top than this many pixels renders older messages. */
const TOP_SLACK = 64

/**
 * How often, at most, the list tells the chat that what it shows was seen. It renders once per
 * message in a busy chat, while the chat writes read receipts once per its own interval: the
 * renders between are folded into one call at the end of this one.
 */
export const SEEN_PACE_MS = 250

/** Whether the list is scrolled to (nearly) its bottom. */
export function nearBottom(box: ScrollBox): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight < BOTTOM_SLACK
}

/**
 * The chat list's scroll anchoring and "new messages" divider: which messages are rendered
 * (message-window.ts), staying at the bottom while there, holding still while the reader looks
 * back, and marking messages read while they are seen. The panel calls in from its effects and
 * events and passes its list element.
 */
export class ChatScroll<M extends { id: string }> {
  readonly #messages: () => readonly M[]
  /** The oldest rendered message, while the reader looks further back. */
  anchor: string | undefined = $state()
  /** Where the "new messages" divider goes: the first unread when the panel was looked at. */
  marker: string | undefined = $state()
  loadingOlder = $state(false)
  /** Index in `messages()` of the oldest rendered message. */
  readonly start: number = $derived.by(() =>
    windowStart(this.#messages(), { anchor: this.anchor, marker: this.marker }),
  )
  readonly shown: readonly M[] = $derived.by(() => this.#messages().slice(this.start))

  readonly #chat: ScrolledChat
  readonly #status: ActionStatus
  readonly #pageVisible: () => boolean
  readonly #rendered: () => Promise<void>
  readonly #refresh: () => void
  #atBottom = true
  /** Set by sending: the list goes to the bottom to show the sent message, wherever it was. */
  #pinToBottom = false
  #positioned = false
  /** The list was scrolled to the bottom by `resized`, and its scroll event has not come yet. */
  #following = false
  /** Rows were added and `resized` has not seen them laid out yet. */
  #unsettled = false
  /** While set, telling the chat what was seen waits for it; `seenAgain`: more was seen since. */
  #seenPace: ReturnType<typeof setTimeout> | undefined
  #seenAgain = false
  #closed = false

  /**
   * @param messages the loaded messages, oldest first (reactive)
   * @param status where a failed load or reveal is reported
   * @param rendered resolves once the list shows state changed so far (Svelte's `tick`)
   * @param refresh brings `messages` up to date with the chat now, where they follow it late (the
   *   panel renders changes at the next frame or later): older messages just loaded are placed
   *   from it
   */
  constructor(
    chat: ScrolledChat,
    messages: () => readonly M[],
    options: {
      status: ActionStatus
      pageVisible: () => boolean
      rendered?: () => Promise<void>
      refresh?: () => void
    },
  ) {
    this.#chat = chat
    this.#messages = messages
    this.#status = options.status
    this.#pageVisible = options.pageVisible
    this.#rendered = options.rendered ?? tick
    this.#refresh = options.refresh ?? (() => {})
    this.marker = chat.firstUnread()?.id
  }

  get atBottom(): boolean {
    return this.#atBottom
  }

  /**
   * After the list rendered changed messages: mark them seen. Following them at the bottom is
   * `resized`'s: nothing is measured between renders, which would lay the list out once per
   * render on top of the frame's own layout. Whether the list is at the bottom is known from
   * its scroll events. `added`: a new row was rendered (the panel observes it, so `resized`
   * will be called once it is laid out).
   */
  afterRender(added = false): void {
    if (added) this.#unsettled = true
    if (!this.#pageVisible() && this.marker === undefined) this.marker = this.#firstUnread()
    this.#markSeenSoon()
  }

  /**
   * The list or its content changed size (messages added or laid out late, a keyboard opened):
   * at the bottom, or after sending, stay at or go to the bottom. Called from a ResizeObserver,
   * once the frame is laid out and before it is painted, so measuring costs no extra layout.
   */
  resized(box: ScrollBox): void {
    this.#unsettled = false
    if (!this.#atBottom && !this.#pinToBottom) return
    this.#pinToBottom = false
    this.#atBottom = true
    if (box.scrollTop >= box.scrollHeight - box.clientHeight - 1) return
    box.scrollTop = box.scrollHeight
    // Its scroll event (at the next frame, perhaps after another render) needs no measuring.
    this.#following = true
  }

  /**
   * Once, when the list first appears: at the divider (`toDivider` scrolls to it; absent when
   * there is none), else at the bottom.
   */
  firstShown(box: ScrollBox, toDivider: (() => void) | undefined): void {
    if (this.#positioned) return
    this.#positioned = true
    if (toDivider) toDivider()
    else box.scrollTop = box.scrollHeight
    this.#atBottom = nearBottom(box)
  }

  /** The page was hidden or shown again. */
  visibilityChanged(): void {
    if (!this.#pageVisible()) return
    this.marker = this.#firstUnread() ?? this.marker
    if (this.#atBottom) this.#chat.markRead()
  }

  /** The list scrolled: the reader, or `resized` following new messages. */
  scrolled(box: ScrollBox): void {
    if (this.#following) {
      this.#following = false
      return
    }
    // Rows added at the bottom and the oldest rendered one taken off the top, laid out before
    // `resized` hears of it (say, a layout some script asked for): the browser's scroll
    // anchoring moved the list, not the reader, who is still following the newest.
    if (this.#unsettled && this.#atBottom) return
    this.#atBottom = nearBottom(box)
    // Reading back: what is rendered stays put as messages arrive. At the bottom, the window
    // follows the newest messages again.
    this.anchor = this.#atBottom ? undefined : this.shown[0]?.id
    if (box.scrollTop < TOP_SLACK) void this.loadOlder(box)
    this.#markSeenSoon()
  }

  /** Renders a page of older messages, loading an older shard first if all loaded are shown. */
  async loadOlder(box: ScrollBox | undefined): Promise<void> {
    if (!box || this.loadingOlder || (this.start === 0 && !this.#chat.hasOlder())) return
    this.loadingOlder = true
    const fromBottom = box.scrollHeight - box.scrollTop
    const oldest = this.shown[0]?.id
    try {
      if (this.start === 0) {
        await this.#status.run(() => this.#chat.loadOlder())
        this.#refresh()
      }
      const messages = this.#messages()
      const index = messages.findIndex((m) => m.id === oldest)
      this.anchor = anchorBefore(messages, index < 0 ? messages.length : index, WINDOW_PAGE)
      // Older unread messages move the divider up to the first of them.
      if (this.marker !== undefined) this.marker = this.#firstUnread() ?? this.marker
      await this.#rendered()
      box.scrollTop = box.scrollHeight - fromBottom
    } finally {
      this.loadingOlder = false
    }
  }

  /**
   * Sends through `send` (resolves true when sent): the list goes to the bottom to show the
   * sent message, and the divider goes once it is sent.
   */
  async send(send: () => Promise<boolean>): Promise<boolean> {
    // Before sending: the list re-renders as the message is added, before `send` resolves.
    this.#pinToBottom = true
    this.anchor = undefined
    const sent = await send()
    if (sent) this.marker = undefined
    else this.#pinToBottom = false
    return sent
  }

  /**
   * Loads the message `id` if needed and renders it with some context; false (with the reason
   * in the status) when it is not available on this device.
   */
  async reveal(id: string): Promise<boolean> {
    if (!(await this.#status.run(() => this.#chat.reveal(id)))) return false
    this.#refresh()
    if (!this.#chat.message(id)) {
      this.#status.error = 'That message is not available on this device.'
      return false
    }
    const messages = this.#messages()
    const index = messages.findIndex((m) => m.id === id)
    if (index >= 0 && index < this.start) {
      this.anchor = anchorBefore(messages, index, WINDOW_CONTEXT)
    }
    return true
  }

  /** The list is gone: nothing more is marked seen, a folded call included. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#seenPace)
    this.#seenPace = undefined
  }

  #firstUnread(): string | undefined {
    return this.#chat.firstUnread()?.id
  }

  /**
   * Messages shown while the list is watched are marked read with the next receipts. A folded
   * call looks again when it is due: the reader may have scrolled back, hidden the page or left.
   */
  #markSeenSoon(): void {
    if (this.#closed || !this.#atBottom || !this.#pageVisible()) return
    if (this.#seenPace !== undefined) {
      this.#seenAgain = true
      return
    }
    this.#chat.markReadSoon()
    this.#seenPace = setTimeout(() => {
      this.#seenPace = undefined
      if (!this.#seenAgain) return
      this.#seenAgain = false
      this.#markSeenSoon()
    }, SEEN_PACE_MS)
  }
}
