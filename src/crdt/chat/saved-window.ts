import { isPeerId, type PeerId } from '../../peer/ids.ts'
import type { ChatApi } from './chat-api.ts'
import { isHlc } from './hlc.ts'
import type { Reaction } from './message-reactions.ts'
import type { ChatMessage } from './message-view.ts'
import type { ReceiptView } from './receipt-view.ts'
import { isRecord } from '../../lib/is-record.ts'

/**
 * The newest part of a workplace's chat as this device last showed it, kept on the device so
 * that opening the workplace paints it at once, before Automerge and the chat's documents have
 * loaded (OpeningChat). It holds only what this device had itself read and checked; the live
 * chat replaces it the moment it is open.
 */
export interface SavedChatWindow {
  self: PeerId
  /** Oldest first, as `ChatApi.messages()` lists them. */
  messages: ChatMessage[]
  /** The receipts of this device's own messages among them. */
  receipts: Record<string, ReceiptView>
  /** Display names of the authors and readers it names. */
  names: Record<string, string>
  unread: number
  firstUnread?: string
  /** Whether older messages exist than the window holds. */
  hasOlder: boolean
}

/** How many of the newest messages are kept: more than a tall screen shows. */
export const SAVED_WINDOW_MESSAGES = 50

/** What saving a window reads of a chat. */
export type WindowSource = Pick<
  ChatApi,
  'self' | 'messages' | 'hasOlder' | 'receipt' | 'firstUnread'
>

/**
 * The chat's newest messages as it shows them now, with the names they need. `unread` is the
 * chat's `unreadCount()`, which the caller has worked out already (each read of it, and of
 * `firstUnread`, goes over every loaded message).
 */
export function saveWindow(
  chat: WindowSource,
  nameOf: (peer: PeerId) => string,
  unread: number,
  size = SAVED_WINDOW_MESSAGES,
): SavedChatWindow {
  const all = chat.messages()
  const messages = all.slice(-size)
  const receipts: Record<string, ReceiptView> = {}
  const names: Record<string, string> = {}
  const name = (peer: PeerId) => (names[peer] ??= nameOf(peer))
  for (const m of messages) {
    name(m.author)
    for (const r of m.reactions) r.peers.forEach(name)
    const receipt = m.author === chat.self ? chat.receipt(m.id) : undefined
    if (receipt) {
      receipts[m.id] = receipt
      receipt.recipients.forEach(name)
    }
  }
  const firstUnread = unread > 0 ? chat.firstUnread()?.id : undefined
  return {
    self: chat.self,
    messages,
    receipts,
    names,
    unread,
    ...(firstUnread !== undefined && messages.some((m) => m.id === firstUnread)
      ? { firstUnread }
      : {}),
    hasOlder: all.length > messages.length || chat.hasOlder(),
  }
}

const MAX_TEXT = 64 * 1024
const RECEIPT_STATES = new Set(['sent', 'partly-delivered', 'delivered', 'read'])

const isText = (value: unknown, max = MAX_TEXT): value is string =>
  typeof value === 'string' && value.length <= max
const peers = (value: unknown): value is PeerId[] =>
  Array.isArray(value) && value.length <= 1000 && value.every(isPeerId)

function isReaction(value: unknown): value is Reaction {
  return isRecord(value) && isText(value.emoji, 64) && peers(value.peers)
}

function isMessage(value: unknown): value is ChatMessage {
  if (!isRecord(value)) return false
  const m = value
  return (
    isText(m.id, 64) &&
    isPeerId(m.author) &&
    isHlc(m.hlc) &&
    typeof m.at === 'number' &&
    Number.isFinite(m.at) &&
    isText(m.text) &&
    typeof m.edited === 'boolean' &&
    typeof m.deleted === 'boolean' &&
    (m.replyTo === undefined || isText(m.replyTo, 64)) &&
    Array.isArray(m.reactions) &&
    m.reactions.length <= 200 &&
    m.reactions.every(isReaction) &&
    isText(m.shard, 64) &&
    typeof m.verified === 'boolean'
  )
}

function isReceipt(value: unknown): value is ReceiptView {
  return (
    isRecord(value) &&
    peers(value.recipients) &&
    peers(value.delivered) &&
    peers(value.read) &&
    peers(value.missing) &&
    typeof value.state === 'string' &&
    RECEIPT_STATES.has(value.state)
  )
}

/**
 * A window read back from storage, checked as anything read from disk is (a damaged or older
 * entry is no window at all: the chat then shows once it is open, as before).
 */
export function parseSavedWindow(value: unknown): SavedChatWindow | undefined {
  if (!isRecord(value) || !isPeerId(value.self)) return undefined
  const { messages, receipts, names } = value
  if (!Array.isArray(messages) || messages.length > 4 * SAVED_WINDOW_MESSAGES) return undefined
  if (!messages.every(isMessage)) return undefined
  if (!isRecord(receipts) || !Object.values(receipts).every(isReceipt)) return undefined
  if (!isRecord(names) || !Object.values(names).every((n) => isText(n, 200))) return undefined
  if (typeof value.unread !== 'number' || !Number.isInteger(value.unread) || value.unread < 0) {
    return undefined
  }
  if (value.firstUnread !== undefined && !isText(value.firstUnread, 64)) return undefined
  if (typeof value.hasOlder !== 'boolean') return undefined
  return {
    self: value.self,
    messages,
    receipts: receipts as Record<string, ReceiptView>,
    names: names as Record<string, string>,
    unread: value.unread,
    ...(value.firstUnread === undefined ? {} : { firstUnread: value.firstUnread }),
    hasOlder: value.hasOlder,
  }
}
