/**
 * The text being written in a message box and its sending, shared by the workplace chat's and
 * the direct conversation's composers: Enter sends (Shift+Enter makes a new line, and nothing
 * is sent while an input method is composing); the text is kept when the send is refused.
 */
export class MessageDraft {
  text = $state('')
  sending = $state(false)
  readonly #send: (text: string) => Promise<boolean>
  readonly #afterSend: () => void

  /**
   * @param send sends the text; resolves false when refused (the caller shows why)
   * @param afterSend runs once a send attempt ends (to focus the message box again)
   */
  constructor(send: (text: string) => Promise<boolean>, afterSend: () => void) {
    this.#send = send
    this.#afterSend = afterSend
  }

  get empty(): boolean {
    return this.text.trim() === ''
  }

  async send(event?: Event): Promise<void> {
    event?.preventDefault()
    if (this.sending || this.empty) return
    this.sending = true
    try {
      if (await this.#send(this.text)) this.text = ''
    } finally {
      this.sending = false
      this.#afterSend()
    }
  }

  /** Handles Enter; true when the key was taken. */
  keydown(event: KeyboardEvent): boolean {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return false
    void this.send(event)
    return true
  }
}
