import type { MeshPort } from '../../src/crdt/mesh-port.ts'
import type { PeerId, Topic } from '../../src/peer/ids.ts'

type Handler = (message: { from: PeerId; data: Uint8Array }) => void

/**
 * Delivers a message on a later turn of the event loop, as a real link does (taken at import,
 * before any test fakes timers). On microtasks, two peers that keep answering each other would
 * never let a timer run: no deadline could fire and the whole test process would hang.
 */
const later = globalThis.setImmediate

/**
 * An in-memory stand-in for the mesh: peers in one hub link when either wants the other in a
 * group and both authorize it; messages are delivered in order on later event-loop turns,
 * forwarded over links.
 */
export class FakeMeshHub {
  readonly ports = new Map<PeerId, FakeMeshPort>()
  readonly #links = new Set<string>()
  /** Channels whose messages are dropped, to tell one protocol's effect from another's. */
  readonly muted = new Set<string>()
  /** Loses a message when it returns true, as a link that fails mid-message would. */
  lose: (message: { from: PeerId; to: PeerId; channel: string; data: Uint8Array }) => boolean =
    () => false

  add(self: PeerId): FakeMeshPort {
    const port = new FakeMeshPort(this, self)
    this.ports.set(self, port)
    return port
  }

  remove(peer: PeerId): void {
    for (const other of this.ports.keys()) this.unlink(peer, other)
    this.ports.delete(peer)
  }

  linked(a: PeerId, b: PeerId): boolean {
    return this.#links.has(key(a, b))
  }

  link(a: PeerId, b: PeerId): void {
    const pa = this.ports.get(a)
    const pb = this.ports.get(b)
    if (a === b || !pa || !pb || this.linked(a, b)) return
    if (!pa.authorize(b) || !pb.authorize(a)) return
    this.#links.add(key(a, b))
    pa.linkChanged(b, true)
    pb.linkChanged(a, true)
  }

  unlink(a: PeerId, b: PeerId): void {
    if (!this.#links.delete(key(a, b))) return
    this.ports.get(a)?.linkChanged(b, false)
    this.ports.get(b)?.linkChanged(a, false)
  }

  neighbours(peer: PeerId): PeerId[] {
    return [...this.ports.keys()].filter((other) => this.linked(peer, other))
  }

  /** Shortest path over links, for forwarding. */
  route(from: PeerId, to: PeerId): boolean {
    const seen = new Set([from])
    const queue = [from]
    while (queue.length > 0) {
      const at = queue.shift()!
      if (at === to) return true
      for (const next of this.neighbours(at)) {
        if (seen.has(next)) continue
        seen.add(next)
        queue.push(next)
      }
    }
    return false
  }

  /** Links every pair where one side wants the other, as the mesh's dialling would. */
  settle(): void {
    for (const port of this.ports.values()) {
      for (const peer of port.wanted()) if (this.ports.has(peer)) this.link(port.self, peer)
    }
  }
}

export class FakeMeshPort implements MeshPort {
  readonly self: PeerId
  readonly #hub: FakeMeshHub
  readonly #handlers = new Map<string, Set<Handler>>()
  readonly #linkHandlers = new Set<(change: { peer: PeerId; up: boolean }) => void>()
  readonly #groups = new Map<string, readonly PeerId[]>()
  authorize: (peer: PeerId) => boolean = () => true
  readonly topics = new Set<Topic>()

  constructor(hub: FakeMeshHub, self: PeerId) {
    this.#hub = hub
    this.self = self
  }

  wanted(): Set<PeerId> {
    return new Set([...this.#groups.values()].flat())
  }

  linkedPeers(): readonly PeerId[] {
    return this.#hub.neighbours(this.self)
  }

  send(peer: PeerId, channel: string, data: Uint8Array): void {
    if (this.#hub.muted.has(channel) || !this.#hub.route(this.self, peer)) return
    if (this.#hub.lose({ from: this.self, to: peer, channel, data })) return
    const copy = data.slice()
    later(() => this.#hub.ports.get(peer)?.deliver(this.self, channel, copy))
  }

  deliver(from: PeerId, channel: string, data: Uint8Array): void {
    for (const handler of this.#handlers.get(channel) ?? []) handler({ from, data })
  }

  onMessage(channel: string, handler: Handler): () => void {
    let set = this.#handlers.get(channel)
    if (!set) this.#handlers.set(channel, (set = new Set()))
    set.add(handler)
    return () => set.delete(handler)
  }

  onLinkChange(handler: (change: { peer: PeerId; up: boolean }) => void): () => void {
    this.#linkHandlers.add(handler)
    return () => this.#linkHandlers.delete(handler)
  }

  linkChanged(peer: PeerId, up: boolean): void {
    for (const handler of [...this.#linkHandlers]) handler({ peer, up })
  }

  setGroup(group: string, peers: readonly PeerId[]): void {
    this.#groups.set(group, [...peers])
    queueMicrotask(() => this.#hub.settle())
  }

  join(topic: Topic): void {
    this.topics.add(topic)
  }

  leave(topic: Topic): void {
    this.topics.delete(topic)
  }

  reauthorize(): void {
    for (const peer of this.linkedPeers())
      if (!this.authorize(peer)) this.#hub.unlink(this.self, peer)
  }
}

function key(a: PeerId, b: PeerId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}
