import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import { decodeDirect, DIRECT_CHANNEL, encodeDirect, type DirectWire } from './direct-protocol.ts'
import type { DirectMesh } from './direct-ports.ts'

export interface DirectLinksEvents extends Record<string, unknown> {
  /** A valid message straight from `peer` over its authenticated link. */
  message: { peer: PeerId; wire: DirectWire }
  link: { peer: PeerId; up: boolean }
}

export interface DirectLinksOptions {
  mesh: DirectMesh
  now: () => number
  log: (message: string) => void
  /** Messages one peer may send per `rateWindowMs`; the rest are dropped (unacked: resent). */
  rateLimit?: number
  rateWindowMs?: number
}

/**
 * The direct channel on every link of the mesh: decodes and validates what arrives (dropping
 * the invalid with a logged reason, and what comes too fast) and sends what the layers above
 * write. Only direct links count, so the sender of every message is proven.
 */
export class DirectLinks extends Emitter<DirectLinksEvents> {
  readonly #o: Required<DirectLinksOptions>
  readonly #linkOffs = new Map<PeerId, () => void>()
  readonly #counts = new Map<PeerId, { since: number; count: number }>()
  readonly #off: () => void

  constructor(options: DirectLinksOptions) {
    super()
    this.#o = { rateLimit: 200, rateWindowMs: 10_000, ...options }
    this.#off = options.mesh.onLinkChange(({ peer, up }) =>
      up ? this.#up(peer) : this.#down(peer),
    )
  }

  /** Subscribes to the links already up (call once the listeners are in place). */
  start(): void {
    for (const peer of this.#o.mesh.linkedPeers()) this.#up(peer)
  }

  linked(peer: PeerId): boolean {
    return this.#o.mesh.linkTo(peer)?.state === 'open'
  }

  /** Writes to the peer's link; false when there is none open. */
  send(peer: PeerId, wire: DirectWire): boolean {
    const link = this.#o.mesh.linkTo(peer)
    if (!link || link.state !== 'open') return false
    try {
      link.send(DIRECT_CHANNEL, encodeDirect(wire))
      return true
    } catch (error) {
      this.#o.log(`could not send to ${peer}: ${String(error)}`)
      return false
    }
  }

  close(): void {
    this.#off()
    for (const off of this.#linkOffs.values()) off()
    this.#linkOffs.clear()
    this.removeAllListeners()
  }

  #up(peer: PeerId): void {
    this.#linkOffs.get(peer)?.()
    const link = this.#o.mesh.linkTo(peer)
    if (!link) return
    const off = link.on('message', ({ channel, data }) => {
      if (channel === DIRECT_CHANNEL) this.#receive(peer, data)
    })
    this.#linkOffs.set(peer, off)
    this.emit('link', { peer, up: true })
  }

  #down(peer: PeerId): void {
    this.#linkOffs.get(peer)?.()
    this.#linkOffs.delete(peer)
    this.emit('link', { peer, up: false })
  }

  #receive(peer: PeerId, data: Uint8Array): void {
    if (!this.#withinRate(peer)) {
      this.#o.log(`dropped a message from ${peer}: more than ${this.#o.rateLimit} in a window`)
      return
    }
    const wire = decodeDirect(data)
    if (wire instanceof Error) {
      this.#o.log(`dropped a message from ${peer}: ${wire.message}`)
      return
    }
    this.emit('message', { peer, wire })
  }

  #withinRate(peer: PeerId): boolean {
    const now = this.#o.now()
    let window = this.#counts.get(peer)
    if (!window || now - window.since >= this.#o.rateWindowMs) {
      window = { since: now, count: 0 }
      this.#counts.set(peer, window)
    }
    return ++window.count <= this.#o.rateLimit
  }
}
