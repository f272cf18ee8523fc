import { decodeSyncMessage, type DecodedSyncMessage } from '@automerge/automerge/slim'
import type { PeerId } from '../../peer/ids.ts'

/** Identical "need" requests in a row after which the sync with that peer counts as stuck. */
const REPEATS = 4
/** Sync messages larger than this carry changes and are not decoded here. */
const MAX_INSPECTED_BYTES = 2048
/** Restarts of one peer's sync this guard may cause per window, so a hostile peer cannot spin us. */
const MAX_RESTARTS = 3
const RESTART_WINDOW_MS = 60_000
/** (peer, document) pairs followed at once. */
const MAX_TRACKED = 1024

/**
 * Spots the endless "need X" exchange: automerge's sync state counts a sent change as
 * delivered, so if it was lost on the way (a forwarding hop went down, a refusal the drop
 * ledger could not record) the peer keeps asking for it and we keep answering without it, as
 * fast as the link carries messages. The cure is a fresh sync state with that peer.
 */
export class NeedLoopGuard {
  readonly #last = new Map<string, { need: string; count: number }>()
  readonly #restarts = new Map<PeerId, number[]>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /**
   * Looks at a sync message a peer sent about a document; true when our sync with that peer
   * should restart now.
   */
  stuck(peer: PeerId, document: string, data: Uint8Array): boolean {
    const key = `${peer} ${document}`
    const need = data.byteLength <= MAX_INSPECTED_BYTES ? unmetNeed(data) : null
    if (!need) {
      this.#last.delete(key)
      return false
    }
    const last = this.#last.get(key)
    if (last?.need !== need) {
      if (!last && this.#last.size >= MAX_TRACKED) return false
      this.#last.set(key, { need, count: 1 })
      return false
    }
    if (++last.count < REPEATS) return false
    this.#last.delete(key)
    return this.#mayRestart(peer)
  }

  /** Forgets a peer whose link went down. */
  forget(peer: PeerId): void {
    for (const key of this.#last.keys()) if (key.startsWith(`${peer} `)) this.#last.delete(key)
  }

  #mayRestart(peer: PeerId): boolean {
    const now = this.#now()
    const recent = (this.#restarts.get(peer) ?? []).filter((at) => now - at < RESTART_WINDOW_MS)
    if (recent.length >= MAX_RESTARTS) {
      this.#restarts.set(peer, recent)
      return false
    }
    recent.push(now)
    this.#restarts.set(peer, recent)
    return true
  }
}

/** The hashes a sync message asks for while bringing none itself, as one key; else null. */
function unmetNeed(data: Uint8Array): string | null {
  let message: DecodedSyncMessage
  try {
    message = decodeSyncMessage(data)
  } catch {
    return null
  }
  if (message.need.length === 0 || message.changes.length > 0) return null
  return [...message.need].sort().join()
}
