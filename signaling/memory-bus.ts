import type { PeerId } from '../src/peer/ids.ts'
import type { BusListener, BusState, PeerEvent, RelayBus, RoomEvent } from './relay-bus.ts'

/**
 * Relay instances in one process sharing topics in memory. A network of one bus is the relay's
 * default (a single instance, nothing shared); tests connect several hubs through one network.
 * Events are delivered on microtasks, never during the call that caused them.
 */
export class MemoryBusNetwork {
  /** Room -> peer -> the bus holding it. */
  readonly #presence = new Map<string, Map<PeerId, MemoryBus>>()
  /** Peer -> the buses that claimed it (the newest last). */
  readonly #claims = new Map<PeerId, Set<MemoryBus>>()
  readonly #buses = new Set<MemoryBus>()

  /** A bus for one more instance. */
  bus(): RelayBus {
    const bus = new MemoryBus(this, this.#buses.size === 0 ? 'local' : 'up')
    this.#buses.add(bus)
    // A second instance makes the network a shared one.
    if (this.#buses.size === 2) for (const other of this.#buses) other.state = 'up'
    return bus
  }

  /** @internal */
  join(bus: MemoryBus, room: string, peer: PeerId): PeerId[] {
    let members = this.#presence.get(room)
    if (!members) this.#presence.set(room, (members = new Map()))
    members.set(peer, bus)
    this.#roomEvent(bus, { kind: 'joined', room, peer })
    return this.members(bus, room)
  }

  /** @internal */
  leave(bus: MemoryBus, room: string, peer: PeerId): void {
    const members = this.#presence.get(room)
    if (members?.get(peer) !== bus) return
    members.delete(peer)
    if (members.size === 0) this.#presence.delete(room)
    this.#roomEvent(bus, { kind: 'left', room, peer })
  }

  /** @internal */
  members(bus: MemoryBus, room: string): PeerId[] {
    const members = this.#presence.get(room)
    return members ? [...members].filter(([, at]) => at !== bus).map(([peer]) => peer) : []
  }

  /** @internal */
  claim(bus: MemoryBus, peer: PeerId): void {
    let claims = this.#claims.get(peer)
    if (!claims) this.#claims.set(peer, (claims = new Set()))
    for (const other of claims) {
      if (other !== bus) other.deliver({ kind: 'replaced', to: peer })
    }
    claims.add(bus)
  }

  /** @internal */
  release(bus: MemoryBus, peer: PeerId): void {
    const claims = this.#claims.get(peer)
    claims?.delete(bus)
    if (claims?.size === 0) this.#claims.delete(peer)
  }

  /** @internal */
  send(event: PeerEvent): boolean {
    const claims = this.#claims.get(event.to)
    for (const bus of claims ?? []) bus.deliver(event)
    return (claims?.size ?? 0) > 0
  }

  /** @internal */
  remove(bus: MemoryBus): void {
    this.#buses.delete(bus)
    for (const [room, members] of this.#presence) {
      for (const [peer, at] of members) if (at === bus) this.leave(bus, room, peer)
    }
    for (const peer of [...this.#claims.keys()]) this.release(bus, peer)
  }

  #roomEvent(from: MemoryBus, event: RoomEvent): void {
    for (const bus of this.#buses) if (bus !== from) bus.deliverRoom(event)
  }
}

class MemoryBus implements RelayBus {
  state: BusState
  readonly #network: MemoryBusNetwork
  #listener: BusListener | undefined
  /** Rooms with members here: only their events are delivered, as a real bus subscribes. */
  readonly #rooms = new Map<string, number>()

  constructor(network: MemoryBusNetwork, state: BusState) {
    this.#network = network
    this.state = state
  }

  attach(listener: BusListener): void {
    this.#listener = listener
  }

  join(room: string, peer: PeerId): Promise<PeerId[]> {
    this.#rooms.set(room, (this.#rooms.get(room) ?? 0) + 1)
    return Promise.resolve(this.#network.join(this, room, peer))
  }

  leave(room: string, peer: PeerId): void {
    const count = (this.#rooms.get(room) ?? 0) - 1
    if (count > 0) this.#rooms.set(room, count)
    else this.#rooms.delete(room)
    this.#network.leave(this, room, peer)
  }

  members(room: string): Promise<PeerId[]> {
    return Promise.resolve(this.#network.members(this, room))
  }

  claim(peer: PeerId): void {
    this.#network.claim(this, peer)
  }

  release(peer: PeerId): void {
    this.#network.release(this, peer)
  }

  send(event: PeerEvent): Promise<boolean> {
    return Promise.resolve(this.#network.send(event))
  }

  close(): Promise<void> {
    this.#network.remove(this)
    this.#listener = undefined
    return Promise.resolve()
  }

  deliver(event: PeerEvent): void {
    queueMicrotask(() => this.#listener?.peer(event))
  }

  deliverRoom(event: RoomEvent): void {
    if (this.#rooms.has(event.room)) queueMicrotask(() => this.#listener?.room(event))
  }
}
