import {
  decodeSyncMessage,
  encodeSyncMessage,
  type DecodedSyncMessage,
} from '@automerge/automerge/slim'
import type { Message } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import { changeHash } from './change-chunk.ts'
import { OwedChanges } from './owed-changes.ts'
import type { PushedChanges } from './pushed-changes.ts'

/** A document counts as carried by pushes while one went to or came from the peer this recently. */
export const PUSH_QUIET_MS = 250
/** A held sync message goes out at the latest this long after the first one held. */
export const MAX_HOLD_MS = 1000

interface Held {
  /** The newest held message: its heads and what it has are the ones to send. */
  message: Message
  decoded: DecodedSyncMessage
  /**
   * The changes the held messages carried, oldest first. (Automerge sends a change once per
   * exchange, so no two hold the same; several may come as one chunk.)
   */
  changes: Uint8Array[]
  since: number
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * Keeps automerge-repo's sync quiet while pushes carry a document. The repo sends every
 * document that changed to every peer every 100 ms, and each peer answers: in a busy chat that
 * was a sync message per link and direction every 100 ms, each carrying changes pushes
 * (ChangePush) had already delivered, so sync frames followed time, not messages, and every
 * change crossed each link again about once and a half.
 *
 * While a push went to or came from the peer for the document within PUSH_QUIET_MS, a sync
 * message that asks for nothing and whose heads all came to that peer by push (PushedChanges)
 * is held instead of sent; a newer one takes its place. The newest goes out once pushes have
 * been quiet for PUSH_QUIET_MS, after MAX_HOLD_MS at the latest, or at once when a message that
 * cannot wait goes out (heads pushes did not carry, or a request for changes). It goes out
 * without the changes the held messages carried: those are owed (OwedChanges) until the peer
 * shows it has the heads they came with, and sent the moment it asks for any change.
 *
 * Nothing is lost, only delayed: the repo's sync state counts a change as sent once it hands
 * over a message with it, and a peer that lacks a change we left out learns our heads and asks
 * (a pushed change whose dependency is missing waits in its document, which asks for that too).
 * So a push lost or dropped unopened, or a false account of whom a push went to, costs about
 * MAX_HOLD_MS and a round trip. Only an exchange under way is held (a sync message came from the
 * peer about the document since its link came up): a returning member's first round never is.
 */
export class SyncHold {
  readonly #pushed: PushedChanges
  readonly #send: (message: Message) => void
  readonly #now: () => number
  readonly #held = new Map<string, Held>()
  readonly #owed = new Map<string, OwedChanges>()
  /** (peer, document) pairs a sync message came from since the link came up. */
  readonly #heard = new Set<string>()
  /** Pairs whose peer asked for changes: the next message goes out at once. */
  readonly #asked = new Set<string>()
  #count = 0

  constructor(options: {
    pushed: PushedChanges
    send: (message: Message) => void
    now?: () => number
  }) {
    this.#pushed = options.pushed
    this.#send = options.send
    this.#now = options.now ?? Date.now
  }

  /** Sends a message the repo gave the network, or holds it (see the class). */
  outgoing(message: Message): void {
    const { targetId, documentId, data } = message
    if (message.type !== 'sync' || !documentId || !data) return this.#send(message)
    const peer = targetId as unknown as PeerId
    const key = keyOf(peer, documentId)
    const held = this.#held.get(key)
    const asked = this.#asked.delete(key)
    const busy = !asked && this.#heard.has(key) && this.#busy(peer, documentId)
    if (!busy && !held && !this.#owed.has(key)) return this.#send(message)
    const decoded = decode(data)
    if (!decoded) {
      this.#flush(key, true)
      return this.#send(message)
    }
    // Our heads came by push, so the changes this message carries (their ancestors) most
    // likely did too.
    const pushed = (head: string) => this.#pushed.knows(peer, documentId, head)
    if (busy && decoded.need.length === 0 && decoded.heads.every(pushed)) {
      this.#hold(key, message, decoded, held)
      return
    }
    if (held) this.#drop(key)
    this.#sendNoting(key, message, decoded, decoded.changes, held?.changes)
  }

  /** Notes a sync message received from a peer (access already checked). */
  received(peer: PeerId, message: Message): void {
    if (message.type !== 'sync' || !message.documentId || !message.data) return
    const key = keyOf(peer, message.documentId)
    this.#heard.add(key)
    const owed = this.#owed.get(key)
    // Outside a busy exchange nothing is held or owed, so what the peer says needs no look.
    if (!owed && !this.#held.has(key) && !this.#busy(peer, message.documentId)) return
    const decoded = decode(message.data)
    if (!decoded) return
    if (decoded.need.length > 0) {
      // It lacks something: everything held or owed goes now, and our next message at once.
      this.#asked.add(key)
      this.#flush(key, true)
      this.#pay(key)
      return
    }
    if (!owed) return
    owed.acknowledged(new Set([...(decoded.have[0]?.lastSync ?? []), ...decoded.heads]))
    if (owed.empty) this.#owed.delete(key)
  }

  /** Forgets a peer whose sync starts afresh: what was held belongs to the old exchange. */
  forget(peer: PeerId): void {
    const prefix = `${peer} `
    for (const key of [...this.#held.keys()]) if (key.startsWith(prefix)) this.#drop(key)
    for (const set of [this.#heard, this.#asked, this.#owed]) {
      for (const key of [...set.keys()]) if (key.startsWith(prefix)) set.delete(key)
    }
  }

  close(): void {
    for (const key of [...this.#held.keys()]) this.#drop(key)
    this.#owed.clear()
  }

  /** Sync messages held so far (each replaced by a later one, or sent late). */
  get held(): number {
    return this.#count
  }

  #busy(peer: PeerId, documentId: string): boolean {
    return this.#now() - this.#pushed.lastAt(peer, documentId) < PUSH_QUIET_MS
  }

  #hold(key: string, message: Message, decoded: DecodedSyncMessage, held: Held | undefined): void {
    this.#count++
    const entry: Held = held ?? {
      message,
      decoded,
      changes: [],
      since: this.#now(),
      timer: undefined,
    }
    entry.changes.push(...decoded.changes)
    entry.message = message
    entry.decoded = decoded
    if (!held) {
      this.#held.set(key, entry)
      this.#schedule(key, entry, PUSH_QUIET_MS)
    }
  }

  #schedule(key: string, entry: Held, delay: number): void {
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      const [peer, documentId] = key.split(' ') as [PeerId, string]
      const now = this.#now()
      const due = Math.min(
        this.#pushed.lastAt(peer, documentId) + PUSH_QUIET_MS,
        entry.since + MAX_HOLD_MS,
      )
      if (due > now) this.#schedule(key, entry, due - now)
      else this.#flush(key)
    }, delay)
  }

  /**
   * Sends the newest held message: with every change the held ones carried when the peer asked
   * for changes (`all`), else without them, owed.
   */
  #flush(key: string, all = false): void {
    const held = this.#held.get(key)
    if (!held) return
    this.#drop(key)
    if (all) this.#sendNoting(key, held.message, held.decoded, held.changes)
    else this.#sendNoting(key, held.message, held.decoded, [], held.changes)
  }

  /** Sends a message with `changes`, noting it (and what it leaves out) for what is owed. */
  #sendNoting(
    key: string,
    message: Message,
    decoded: DecodedSyncMessage,
    changes: readonly Uint8Array[],
    leftOut: readonly Uint8Array[] = [],
  ): void {
    let owed = this.#owed.get(key)
    if (!owed && leftOut.length > 0) this.#owed.set(key, (owed = new OwedChanges()))
    const out = this.#trimmed(message, decoded, changes)
    owed?.sent(out, decoded, leftOut)
    this.#send(out)
    if (owed?.full) this.#pay(key)
  }

  /** Sends what is owed, with the heads and the rest of the last message sent. */
  #pay(key: string): void {
    const owed = this.#owed.get(key)?.take()
    this.#owed.delete(key)
    if (owed) this.#send(this.#trimmed(owed.message, owed.decoded, owed.changes))
  }

  /**
   * `message` carrying `changes`, less any single change the peer pushed to us (the repo's sync
   * state cannot know those came by push).
   */
  #trimmed(message: Message, decoded: DecodedSyncMessage, changes: readonly Uint8Array[]): Message {
    const peer = message.targetId as unknown as PeerId
    const theirs = (change: Uint8Array) => {
      const hash = changeHash(change)
      return hash !== undefined && this.#pushed.pushedUs(peer, message.documentId!, hash)
    }
    const sent = changes.filter((change) => !theirs(change))
    const same =
      sent.length === decoded.changes.length && sent.every((c, i) => c === decoded.changes[i])
    return same ? message : { ...message, data: encodeSyncMessage({ ...decoded, changes: sent }) }
  }

  #drop(key: string): void {
    clearTimeout(this.#held.get(key)?.timer)
    this.#held.delete(key)
  }
}

function decode(data: Uint8Array): DecodedSyncMessage | undefined {
  try {
    return decodeSyncMessage(data)
  } catch {
    return undefined
  }
}

function keyOf(peer: PeerId, documentId: string): string {
  return `${peer} ${documentId}`
}
