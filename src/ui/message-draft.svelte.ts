/**
 * The text being written in a message box and its sending, shared by the workplace chat's and
 * the direct conversation's composers: Enter sends (Shift+Enter makes a new line, and nothing
 * is sent while an input method is composing). The box empties as a message is sent, so the
 * next can be written (and sent) while it is on its way; a refused message's text comes back.
 */
export class MessageDraft {
  text = $state('')
  readonly #send: (text: string) => Promise<boolean>
  readonly #afterSend: () => void

  /**
   * @param send sends the text; resolves false when refused (the caller shows why). It is
   *   called at once for each message, in the order they were written.
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
    if (this.empty) return
    // Taken out of the box now: clearing it once the send settled also wiped what was typed
    // meanwhile, and Enter pressed meanwhile did nothing (a quick writer lost messages).
    const text = this.text
    this.text = ''
    try {
      if (!(await this.#send(text).catch(() => false))) this.#giveBack(text)
    } finally {
      this.#afterSend()
    }
  }

  /** Handles Enter; true when the key was taken. */
  keydown(event: KeyboardEvent): boolean {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return false
    void this.send(event)
    return true
  }

  /** Puts a refused message's text back, before whatever was typed since. */
  #giveBack(text: string): void {
    this.text = this.empty ? text : `${text}\n${this.text}`
  }
}
