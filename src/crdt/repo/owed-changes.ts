import type { DecodedSyncMessage } from '@automerge/automerge/slim'
import type { Message } from '@automerge/automerge-repo'

/** Messages sent whose heads are remembered, to recognise the peer's word that it has them. */
const SENT_KEPT = 32
/** Changes (or chunks of them) owed at most; past that they are sent rather than kept. */
export const MAX_OWED_CHUNKS = 256

/**
 * The changes sync messages to one peer about one document left out because pushes carried
 * them (see SyncHold), until the peer shows it has them or asks for them. Every one of them is
 * an ancestor of (or is) the heads of the message sent when it was left out, so once the peer
 * says it has those heads (as the heads it shares with us, or its own), it has them all.
 */
export class OwedChanges {
  readonly #batches: { changes: Uint8Array[]; seq: number }[] = []
  readonly #sent: { heads: string[]; seq: number }[] = []
  #seq = 0
  #chunks = 0
  #last: { decoded: DecodedSyncMessage; message: Message } | undefined

  /** Notes a message sent to the peer, leaving `changes` out. */
  sent(message: Message, decoded: DecodedSyncMessage, leftOut: readonly Uint8Array[] = []): void {
    this.#seq++
    this.#sent.push({ heads: decoded.heads, seq: this.#seq })
    if (this.#sent.length > SENT_KEPT) this.#sent.shift()
    this.#last = { decoded: { ...decoded, changes: [] }, message }
    if (leftOut.length === 0) return
    this.#batches.push({ changes: [...leftOut], seq: this.#seq })
    this.#chunks += leftOut.length
  }

  /** Whether more is owed than should be kept. */
  get full(): boolean {
    return this.#chunks > MAX_OWED_CHUNKS
  }

  get empty(): boolean {
    return this.#batches.length === 0
  }

  /** The peer has `heads` (and so their ancestors): forgets what was owed up to them. */
  acknowledged(heads: ReadonlySet<string>): void {
    let upTo = 0
    for (const sent of this.#sent) {
      if (sent.heads.every((head) => heads.has(head))) upTo = Math.max(upTo, sent.seq)
    }
    while (this.#batches.length > 0 && this.#batches[0]!.seq <= upTo) {
      this.#chunks -= this.#batches.shift()!.changes.length
    }
  }

  /**
   * Everything owed, with the last message sent (its heads and what it said it has) to carry
   * it; undefined when nothing is.
   */
  take(): { message: Message; decoded: DecodedSyncMessage; changes: Uint8Array[] } | undefined {
    if (!this.#last || this.#batches.length === 0) return undefined
    const changes = this.#batches.splice(0).flatMap((batch) => batch.changes)
    this.#chunks = 0
    return { ...this.#last, changes }
  }
}
