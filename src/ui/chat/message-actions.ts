import type { ChatMessage } from '../../crdt/chat/message-view.ts'

/** What a message item can ask of the chat panel; each resolves false if it was refused. */
export interface MessageActions {
  reply(message: ChatMessage): void
  /** Scrolls to a message, loading older history if need be. */
  jump(id: string): void
  edit(id: string, text: string): Promise<boolean>
  remove(id: string): Promise<boolean>
  react(id: string, emoji: string): Promise<boolean>
}

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const
