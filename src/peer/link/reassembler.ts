import type { FragmentFrame } from './link-protocol.ts'

export type ReassemblyResult =
  { ok: true; message?: { channel: string; data: Uint8Array } } | { ok: false; error: string }

/**
 * Rejoins the fragments of one pipe. A sender writes a message's fragments back to back on an
 * ordered channel, so one message is in progress at a time and parts arrive in order; anything
 * else, or a message above `maxBytes`, is a violation: the partial message is dropped.
 */
export class Reassembler {
  readonly #maxBytes: number
  #current: {
    messageId: number
    channel: string
    count: number
    parts: Uint8Array[]
    bytes: number
  } | null = null

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  add(fragment: FragmentFrame): ReassemblyResult {
    let abandoned: number | null = null
    if (fragment.index === 0) {
      if (this.#current) abandoned = this.#current.messageId
      this.#current = {
        messageId: fragment.messageId,
        channel: fragment.channel,
        count: fragment.count,
        parts: [],
        bytes: 0,
      }
    }
    const message = this.#current
    if (
      !message ||
      message.messageId !== fragment.messageId ||
      message.count !== fragment.count ||
      message.channel !== fragment.channel ||
      message.parts.length !== fragment.index
    ) {
      this.#current = null
      return { ok: false, error: `unexpected fragment ${fragment.index} of ${fragment.messageId}` }
    }
    if (message.bytes + fragment.bytes.length > this.#maxBytes) {
      this.#current = null
      return { ok: false, error: `fragmented message above ${this.#maxBytes} bytes` }
    }
    message.parts.push(fragment.bytes)
    message.bytes += fragment.bytes.length
    // The first part of a new message is kept; only the unfinished one is lost.
    if (abandoned !== null) return { ok: false, error: `message ${abandoned} abandoned unfinished` }
    if (message.parts.length < message.count) return { ok: true }

    this.#current = null
    const data = new Uint8Array(message.bytes)
    let offset = 0
    for (const part of message.parts) {
      data.set(part, offset)
      offset += part.length
    }
    return { ok: true, message: { channel: message.channel, data } }
  }
}
