import type { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../../peer/ids.ts'
import type { ChatMessage } from './message-view.ts'
import type { ReceiptView } from './receipt-view.ts'
import type { WorkplaceChatEvents } from './workplace-chat.ts'

/**
 * A workplace's chat as the UI uses it: WorkplaceChat in the same thread (the keeper, tests), or
 * RemoteChat mirroring one that runs in the documents worker. Reads are synchronous (a mirror of the
 * loaded window); actions resolve once their effect shows in those reads.
 */
export interface ChatApi extends Pick<Emitter<WorkplaceChatEvents>, 'on'> {
  readonly self: PeerId
  messages(): readonly ChatMessage[]
  message(id: string): ChatMessage | undefined
  hasOlder(): boolean
  loadOlder(): Promise<boolean>
  /** Loads older messages until `id` is among them; false if it is not found. */
  reveal(id: string): Promise<boolean>
  send(text: string, options?: { replyTo?: string }): Promise<ChatMessage>
  edit(id: string, text: string): Promise<void>
  deleteMessage(id: string): Promise<void>
  toggleReaction(id: string, emoji: string): Promise<void>
  /** Who has (and has seen) one of this member's own messages (a worker's chat sends no others'). */
  receipt(id: string): ReceiptView | undefined
  unreadCount(): number
  firstUnread(): ChatMessage | undefined
  markRead(): void
  markReadSoon(): void
  /** Resolves once the recent history opened with the chat has loaded. */
  settled(): Promise<void>
  close(): Promise<void>
}
