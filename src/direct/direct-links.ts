import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import { decodeDirect, DIRECT_CHANNEL, encodeDirect, type DirectWire } from './direct-protocol.ts'

export interface DirectLinksEvents extends Record<string, unknown> {
  /** A valid message straight from `peer` over its authenticated link. */
  message: { peer: PeerId; wire: DirectWire }
  link: { peer: PeerId; up: boolean }
}

export interface DirectLinksOptions {
  mesh: MeshPort
  now: () => number
  log: (message: string) => void
  /** Messages one peer may send per `rateWindowMs`; the rest are dropped (unacked: resent). */
  rateLimit?: number
  rateWindowMs?: number
}

/**
 * The direct channel on the mesh's link-only lane: decodes and validates what arrives
 * (dropping the invalid with a logged reason, and what comes too fast) and sends what the
 * layers above write. Only direct links carry it, so the sender of every message is proven.
 */
export class DirectLinks extends Emitter<DirectLinksEvents> {
  readonly #o: Required<DirectLinksOptions>
  readonly #counts = new Map<PeerId, { since: number; count: number }>()
  readonly #offs: (() => void)[]

  constructor(options: DirectLinksOptions) {
    super()
    this.#o = { rateLimit: 200, rateWindowMs: 10_000, ...options }
    const mesh = options.mesh
    this.#offs = [
      mesh.presence.onLinkChange((change) => this.emit('link', change)),
      mesh.onLinkMessage(DIRECT_CHANNEL, ({ from, data }) => this.#receive(from, data)),
    ]
  }

  /** Announces the links already up (call once the listeners are in place). */
  start(): void {
    for (const peer of this.#o.mesh.presence.linkedPeers()) this.emit('link', { peer, up: true })
  }

  linked(peer: PeerId): boolean {
    return this.#o.mesh.presence.isLinked(peer)
  }

  /** Writes to the peer's link; false when there is none open. */
  send(peer: PeerId, wire: DirectWire): boolean {
    return this.#o.mesh.sendLinked(peer, DIRECT_CHANNEL, encodeDirect(wire))
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    this.removeAllListeners()
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
