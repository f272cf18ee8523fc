import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import { every, type Clock } from '../lib/clock.ts'
import type { OutboxEntry } from './direct-model.ts'
import type { AckedWire, DirectWire } from './direct-protocol.ts'
import type { DirectStore } from './direct-store.ts'

export interface OutboxEvents extends Record<string, unknown> {
  /** The peer stored these messages. */
  delivered: { peer: PeerId; ids: string[] }
  /** Whether anything waits for `peer` changed. */
  pending: { peer: PeerId; pending: boolean }
}

interface Waiting {
  entry: OutboxEntry
  /** When it was last written to a link; -Infinity when never since loading. */
  sentAt: number
}

/** What the outbox writes through (DirectLinks satisfies it). */
export interface OutboxLinks {
  linked(peer: PeerId): boolean
  send(peer: PeerId, wire: DirectWire): boolean
}

/**
 * Messages that wait for the other device's ack, kept on the device: sent at once when a link
 * is up, again in order whenever the link comes (back) up, and again after `retryMs` without
 * an ack while it stays up. The receiver stores each ID once, so repeats are harmless.
 */
export class Outbox extends Emitter<OutboxEvents> {
  readonly #store: DirectStore
  readonly #links: OutboxLinks
  readonly #clock: Clock
  readonly #retryMs: number
  readonly #waiting = new Map<PeerId, Map<string, Waiting>>()
  /** The retry timer: running while messages wait (after `load`), so an idle device sleeps. */
  #stopTimer: (() => void) | undefined
  #loaded = false
  #closed = false

  constructor(options: { store: DirectStore; links: OutboxLinks; clock: Clock; retryMs?: number }) {
    super()
    this.#store = options.store
    this.#links = options.links
    this.#clock = options.clock
    this.#retryMs = options.retryMs ?? 5000
  }

  /** Loads what waited before a reload; the retry timer runs from now on while any waits. */
  async load(): Promise<void> {
    for (const entry of await this.#store.outbox()) this.#hold(entry)
    this.#loaded = true
    this.#keepRetrying()
    for (const peer of this.#waiting.keys()) {
      this.emit('pending', { peer, pending: true })
      this.flush(peer)
    }
  }

  /** Keeps the message until acked (stored first), and sends it now if the peer is linked. */
  async enqueue(peer: PeerId, wire: AckedWire): Promise<void> {
    const entry: OutboxEntry = { peer, id: wire.id, wire, queuedAt: this.#clock.now() }
    await this.#store.putOutbox(entry)
    const first = !this.#waiting.has(peer)
    const waiting = this.#hold(entry)
    if (first) this.emit('pending', { peer, pending: true })
    this.#send(waiting)
  }

  has(peer: PeerId): boolean {
    return this.#waiting.has(peer)
  }

  /** Whether message `id` to `peer` still waits for its ack. */
  waits(peer: PeerId, id: string): boolean {
    return this.#waiting.get(peer)?.has(id) ?? false
  }

  /** Sends everything waiting for `peer`, oldest first (its link just came up). */
  flush(peer: PeerId): void {
    for (const waiting of this.#waiting.get(peer)?.values() ?? []) {
      if (!this.#send(waiting)) return
    }
  }

  /** The peer acked these IDs: forgotten here and on the device. */
  async acked(peer: PeerId, ids: readonly string[]): Promise<void> {
    const waiting = this.#waiting.get(peer)
    const known = ids.filter((id) => waiting?.delete(id))
    if (known.length === 0) return
    await this.#store.deleteOutbox(peer, known)
    if (waiting?.size === 0) {
      this.#waiting.delete(peer)
      if (this.#waiting.size === 0) this.#stopRetrying()
      this.emit('pending', { peer, pending: false })
    }
    this.emit('delivered', { peer, ids: known })
  }

  close(): void {
    this.#closed = true
    this.#stopRetrying()
    this.removeAllListeners()
  }

  #keepRetrying(): void {
    if (this.#closed || !this.#loaded || this.#stopTimer || this.#waiting.size === 0) return
    this.#stopTimer = every(this.#clock, this.#retryMs, () => this.#retry())
  }

  #stopRetrying(): void {
    this.#stopTimer?.()
    this.#stopTimer = undefined
  }

  #hold(entry: OutboxEntry): Waiting {
    let forPeer = this.#waiting.get(entry.peer)
    if (!forPeer) this.#waiting.set(entry.peer, (forPeer = new Map()))
    const waiting = { entry, sentAt: -Infinity }
    forPeer.set(entry.id, waiting)
    this.#keepRetrying()
    return waiting
  }

  #send(waiting: Waiting): boolean {
    if (!this.#links.send(waiting.entry.peer, waiting.entry.wire)) return false
    waiting.sentAt = this.#clock.now()
    return true
  }

  #retry(): void {
    const due = this.#clock.now() - this.#retryMs
    for (const [peer, forPeer] of this.#waiting) {
      if (!this.#links.linked(peer)) continue
      for (const waiting of forPeer.values()) {
        if (waiting.sentAt <= due && !this.#send(waiting)) break
      }
    }
  }
}
