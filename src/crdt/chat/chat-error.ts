export type ChatErrorCode =
  'empty' | 'too-long' | 'unknown-message' | 'not-author' | 'deleted' | 'bad-emoji' | 'closed'

/** A refused chat action, with a message fit to show the user. */
export class ChatError extends Error {
  readonly code: ChatErrorCode

  constructor(code: ChatErrorCode, message: string) {
    super(message)
    this.name = 'ChatError'
    this.code = code
  }
}
