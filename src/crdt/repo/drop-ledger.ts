import type { PeerId } from '../../peer/ids.ts'

/** Documents remembered per peer, at most (a peer naming more gets a full restart anyway). */
const MAX_DOCS_PER_PEER = 256
/** Peers remembered, at most. */
const MAX_PEERS = 256

/**
 * Sync messages the repo network refused for lack of access, so they can be made good once
 * access is known. Automerge's sync state counts a sent message as delivered: the sender will
 * not send those changes again, and sends nothing more until it hears back or its heads change.
 * So a refused message must lead to a restart of that peer's sync, on the side that sent it.
 */
export class DropLedger {
  /** Documents each peer sent us and we refused: that peer must restart its sync with us. */
  readonly #refused = new Map<PeerId, Set<string>>()
  /** Documents the repo sent a peer and we held back: our own sync with it must restart. */
  readonly #withheld = new Map<PeerId, Set<string>>()

  refused(peer: PeerId, document: string): void {
    add(this.#refused, peer, document)
  }

  withheld(peer: PeerId, document: string): void {
    add(this.#withheld, peer, document)
  }

  /** Peers with something to make good. */
  peers(): PeerId[] {
    return [...new Set([...this.#refused.keys(), ...this.#withheld.keys()])]
  }

  /** Forgets a peer whose link went down: both sides restart their sync on the next link. */
  forget(peer: PeerId): void {
    this.#refused.delete(peer)
    this.#withheld.delete(peer)
  }

  /**
   * What can be made good now that `may` allows it: per peer, the documents it must resend
   * (`ask`), and whether our own sync with it must restart (`restart`).
   */
  settle(
    peers: Iterable<PeerId>,
    may: (peer: PeerId, document: string) => boolean,
  ): { ask: Map<PeerId, string[]>; restart: PeerId[] } {
    const ask = new Map<PeerId, string[]>()
    const restart: PeerId[] = []
    for (const peer of peers) {
      const docs = take(this.#refused, peer, may)
      if (docs.length > 0) ask.set(peer, docs)
      if (take(this.#withheld, peer, may).length > 0) restart.push(peer)
    }
    return { ask, restart }
  }

  /** How many (peer, document) pairs wait to be made good, for diagnostics. */
  get size(): number {
    let size = 0
    for (const docs of [...this.#refused.values(), ...this.#withheld.values()]) size += docs.size
    return size
  }
}

function add(map: Map<PeerId, Set<string>>, peer: PeerId, document: string): void {
  let docs = map.get(peer)
  if (!docs) {
    if (map.size >= MAX_PEERS) return
    map.set(peer, (docs = new Set()))
  }
  if (docs.size < MAX_DOCS_PER_PEER) docs.add(document)
}

function take(
  map: Map<PeerId, Set<string>>,
  peer: PeerId,
  may: (peer: PeerId, document: string) => boolean,
): string[] {
  const docs = map.get(peer)
  if (!docs) return []
  const allowed = [...docs].filter((doc) => may(peer, doc))
  for (const doc of allowed) docs.delete(doc)
  if (docs.size === 0) map.delete(peer)
  return allowed
}
