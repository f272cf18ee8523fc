import { next as Automerge } from '@automerge/automerge/slim'
import type { Message } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'

interface Exchange {
  sent?: Uint8Array
  received?: Uint8Array
  /** The last message received was the same as the one before it, and asked for nothing. */
  receivedRepeat: boolean
}

/**
 * Stops the echo of Automerge's sync protocol: while members write at once, two devices whose
 * heads differ for a moment answer every message with one of their own, and once neither has
 * changes to send they keep trading the same heads-only message until a new change ends it
 * (measured: four of five sync messages of a busy chat). When a peer's last two messages about
 * a document were the same and ours would be the same as our last, none of them bringing or
 * asking for changes, the exchange is at a fixed point: the peer's answer would be its last one
 * again, so ours is not sent. Any new change on either side makes the next message differ, a
 * peer that restarts its sync with us sends a different message first, and a peer that keeps
 * asking for a change (one lost on the way) is still answered, so NeedLoopGuard sees the loop.
 */
export class SyncEchoFilter {
  readonly #exchanges = new Map<PeerId, Map<string, Exchange>>()
  #held = 0

  /** Notes a sync message received from a peer. */
  received(peer: PeerId, message: Message): void {
    const exchange = this.#exchange(peer, message)
    if (!exchange || !message.data) return
    exchange.receivedRepeat =
      exchange.received !== undefined &&
      same(exchange.received, message.data) &&
      isBareHeads(message.data)
    exchange.received = message.data
  }

  /** Whether to send this message to the peer (false: it is the same echo again). */
  shouldSend(peer: PeerId, message: Message): boolean {
    const exchange = this.#exchange(peer, message)
    if (!exchange || !message.data) return true
    if (
      exchange.receivedRepeat &&
      exchange.sent !== undefined &&
      same(exchange.sent, message.data) &&
      isBareHeads(message.data)
    ) {
      this.#held++
      return false
    }
    exchange.sent = message.data
    return true
  }

  /** Forgets a peer whose sync with us starts afresh (link down, sync restarted). */
  forget(peer: PeerId): void {
    this.#exchanges.delete(peer)
  }

  /** Messages not sent so far. */
  get held(): number {
    return this.#held
  }

  #exchange(peer: PeerId, message: Message): Exchange | undefined {
    if (message.type !== 'sync' || !message.documentId) return undefined
    let byDoc = this.#exchanges.get(peer)
    if (!byDoc) this.#exchanges.set(peer, (byDoc = new Map()))
    let exchange = byDoc.get(message.documentId)
    if (!exchange) byDoc.set(message.documentId, (exchange = { receivedRepeat: false }))
    return exchange
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** A sync message that brings no changes and asks for none. */
function isBareHeads(data: Uint8Array): boolean {
  try {
    const message = Automerge.decodeSyncMessage(data)
    return message.changes.length === 0 && message.need.length === 0
  } catch {
    return false
  }
}
