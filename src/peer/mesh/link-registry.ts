import { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../ids.ts'
import type { Link } from '../link/link.ts'

export interface LinkRegistryEvents extends Record<string, unknown> {
  up: { peer: PeerId; link: Link }
  down: { peer: PeerId; reason: string }
  frame: { link: Link; channel: string; data: Uint8Array }
}

interface Entry {
  readonly link: Link
  /** Who opened it: this peer (outgoing) or the remote (incoming). */
  readonly dialedBy: PeerId
  readonly unsubscribe: () => void
}

/**
 * The one link per peer the mesh uses, whichever groups want it. When both peers dialled
 * each other, both keep the link dialled by the lower peer ID, so the two sides agree
 * without talking (a link restarting a lost path always gives way). Every link is checked with `authorize` first; refused peers stay refused
 * until `reauthorize` finds them allowed again.
 */
export class LinkRegistry extends Emitter<LinkRegistryEvents> {
  readonly #self: PeerId
  readonly #authorize: (peer: PeerId) => boolean
  readonly #log: (message: string) => void
  readonly #entries = new Map<PeerId, Entry>()
  readonly #open = new Map<PeerId, Link>()
  readonly #refused = new Set<PeerId>()

  constructor(self: PeerId, authorize: (peer: PeerId) => boolean, log: (m: string) => void) {
    super()
    this.#self = self
    this.#authorize = authorize
    this.#log = log
  }

  /** Open links by remote peer (a live view; do not mutate). */
  get links(): ReadonlyMap<PeerId, Link> {
    return this.#open
  }

  isRefused(peer: PeerId): boolean {
    return this.#refused.has(peer)
  }

  /** Takes an authenticated link; true when it is kept as the peer's link. */
  adopt(link: Link, dialedBy: PeerId): boolean {
    const peer = link.remote
    if (link.state !== 'open' || peer === this.#self) {
      link.close('not usable')
      return false
    }
    if (!this.#allowed(peer)) {
      this.#log(`refused link from unauthorized peer ${peer}`)
      link.close('unauthorized')
      return false
    }
    const existing = this.#entries.get(peer)
    if (existing) {
      const keeper = this.#self < peer ? this.#self : peer
      // A link still restarting a lost path gives way to any new one: the new one works.
      const stuck = existing.link.path === 'restarting'
      if (existing.dialedBy === keeper && dialedBy !== keeper && !stuck) {
        link.close('duplicate link')
        return false
      }
      // The new link was dialled by the keeper, or both came the same way and the newer wins.
      this.#drop(peer, existing, 'replaced by a duplicate link')
      existing.link.close('duplicate link')
    }
    const offMessage = link.on('message', ({ channel, data }) => {
      if (this.#entries.get(peer)?.link === link) this.emit('frame', { link, channel, data })
    })
    const offClose = link.on('close', ({ reason, detail }) => {
      const entry = this.#entries.get(peer)
      if (entry?.link === link) this.#drop(peer, entry, `${reason}: ${detail}`)
    })
    const unsubscribe = () => {
      offMessage()
      offClose()
    }
    this.#entries.set(peer, { link, dialedBy, unsubscribe })
    this.#open.set(peer, link)
    this.emit('up', { peer, link })
    return true
  }

  /** Re-checks every peer; closes links of refused ones. Returns peers allowed again. */
  reauthorize(): PeerId[] {
    const allowedAgain = [...this.#refused].filter((peer) => this.#authorize(peer))
    for (const peer of allowedAgain) this.#refused.delete(peer)
    for (const peer of [...this.#entries.keys()]) {
      if (!this.#allowed(peer)) this.close(peer, 'unauthorized')
    }
    return allowedAgain
  }

  /** Whether this peer may be linked; a false answer is remembered. */
  allowed(peer: PeerId): boolean {
    return this.#allowed(peer)
  }

  close(peer: PeerId, reason: string): void {
    const entry = this.#entries.get(peer)
    if (!entry) return
    this.#drop(peer, entry, reason)
    entry.link.close(reason)
  }

  closeAll(reason: string): void {
    for (const peer of [...this.#entries.keys()]) this.close(peer, reason)
  }

  dialedBy(peer: PeerId): PeerId | undefined {
    return this.#entries.get(peer)?.dialedBy
  }

  #allowed(peer: PeerId): boolean {
    if (this.#refused.has(peer)) return false
    let ok = false
    try {
      ok = this.#authorize(peer)
    } catch (error) {
      this.#log(`authorize(${peer}) threw: ${String(error)}`)
    }
    if (!ok) this.#refused.add(peer)
    return ok
  }

  #drop(peer: PeerId, entry: Entry, reason: string): void {
    entry.unsubscribe()
    this.#entries.delete(peer)
    this.#open.delete(peer)
    this.emit('down', { peer, reason })
  }
}
