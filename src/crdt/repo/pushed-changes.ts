import type { PeerId } from '../../peer/ids.ts'
import { changeHash } from './change-chunk.ts'

/** Change hashes remembered per (peer, document); older ones are forgotten first. */
const KEPT_PER_PAIR = 512
/** (peer, document) pairs followed at once; the longest idle one is forgotten first. */
const MAX_PAIRS = 1024

interface Pair {
  /** Change hashes, each true when the peer itself pushed that change to us. */
  hashes: Map<string, boolean>
  /** When a push last brought or took a change of the document to or from the peer. */
  at: number
}

/**
 * Which changes pushes (ChangePush) carried to or from each linked peer, and when a push last
 * did for a document: a change we pushed to a peer, one the peer pushed to us and one it was
 * pushed by a third member (the push names whom it went to) is one the peer most likely has.
 * SyncHold reads it to keep automerge-repo's sync quiet while pushes carry a document. Nothing
 * here is taken as proof: a push can be lost or dropped unopened, and a peer can name
 * recipients falsely, so what sync would carry is delayed, never left out.
 */
export class PushedChanges {
  readonly #pairs = new Map<string, Pair>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /**
   * Notes that `peer` was just pushed the change `hash` of `document`, or (`itsOwn`) that it
   * pushed it to us, so it certainly has it.
   */
  note(peer: PeerId, document: string, hash: string, itsOwn = false): void {
    const key = keyOf(peer, document)
    let pair = this.#pairs.get(key)
    if (pair) this.#pairs.delete(key)
    else pair = { hashes: new Map(), at: 0 }
    // Most recently active last, so the first entry is the one idle longest.
    this.#pairs.set(key, pair)
    pair.at = this.#now()
    const had = pair.hashes.get(hash) ?? false
    pair.hashes.delete(hash)
    pair.hashes.set(hash, had || itsOwn)
    if (pair.hashes.size > KEPT_PER_PAIR) pair.hashes.delete(pair.hashes.keys().next().value!)
    if (this.#pairs.size > MAX_PAIRS) this.#pairs.delete(this.#pairs.keys().next().value!)
  }

  /**
   * Notes a push of `change` (its bytes) of `document` that went to `peers`. A change without a
   * hash of its own (compressed) is not noted.
   */
  pushedTo(peers: Iterable<PeerId>, document: string, change: Uint8Array): void {
    const hash = changeHash(change)
    if (hash === undefined) return
    for (const peer of peers) this.note(peer, document, hash)
  }

  /**
   * Notes a push of `change` of `document` that came from `from`, which has it, naming in `to`
   * whom else it went to (`self` among them, skipped).
   */
  pushedBy(
    from: PeerId,
    document: string,
    change: Uint8Array,
    to: readonly string[] | undefined,
    self: PeerId,
  ): void {
    const hash = changeHash(change)
    if (hash === undefined) return
    this.note(from, document, hash, true)
    for (const peer of to ?? []) {
      if (peer !== self && peer !== from) this.note(peer as PeerId, document, hash)
    }
  }

  /** Whether a push carried change `hash` of `document` to or from `peer`. */
  knows(peer: PeerId, document: string, hash: string): boolean {
    return this.#pairs.get(keyOf(peer, document))?.hashes.has(hash) ?? false
  }

  /** Whether `peer` pushed change `hash` of `document` to us: it has it, sync need not send it. */
  pushedUs(peer: PeerId, document: string, hash: string): boolean {
    return this.#pairs.get(keyOf(peer, document))?.hashes.get(hash) ?? false
  }

  /** When a push last carried a change of `document` to or from `peer` (0: never). */
  lastAt(peer: PeerId, document: string): number {
    return this.#pairs.get(keyOf(peer, document))?.at ?? 0
  }

  /** Forgets a peer whose link went down: what it had then says nothing of the next link. */
  forget(peer: PeerId): void {
    const prefix = `${peer} `
    for (const key of [...this.#pairs.keys()]) if (key.startsWith(prefix)) this.#pairs.delete(key)
  }
}

function keyOf(peer: PeerId, document: string): string {
  return `${peer} ${document}`
}
