import type { PeerId, Topic } from '../src/peer/ids.ts'
import { NEARBY_TOPIC, type ServerMessage } from '../src/peer/signaling/relay-protocol.ts'
import type { Logger } from './config.ts'
import type { PeerEvent, RelayBus, RoomEvent } from './relay-bus.ts'
import type { RelayMetrics } from './relay-metrics.ts'
import { TopicRegistry } from './topic-registry.ts'

/** What the hub needs of an authenticated connection. */
export interface HubMember {
  readonly peerId: PeerId
  /** The room this client's "nearby" topic maps to. */
  readonly nearbyRoom: string
  /** Topics joined, each with its room. */
  readonly topics: Map<Topic, string>
  send(message: ServerMessage): void
  /** Offers an encoded signal frame; false when this member cannot take it now (dropped). */
  offerSignal(frame: string): boolean
  /** Another connection proved the same peer ID: this one must go. */
  replaced(): void
}

/** What a signal became: delivered here, handed to the instance holding its peer, or refused. */
export type RouteResult = 'sent' | 'forwarded' | 'unknown' | 'busy'

/**
 * Routing between authenticated connections; it holds nothing else. Its own connections it
 * serves directly; everything that must reach other relay instances goes through the bus.
 */
export class RelayHub {
  readonly #members = new Map<PeerId, HubMember>()
  readonly #rooms = new TopicRegistry<HubMember>()
  /**
   * Per member, the other instances' room events heard while a peer list for that room was on
   * its way from the bus. Such a list can be older than an event already passed on ("joined",
   * then a list taken before that join), and a list replaces what the client knows: the events
   * are applied on top of it, in order, so a peer that joined meanwhile is not taken back.
   */
  readonly #awaitingList = new Map<HubMember, Map<string, RoomEvent[]>>()
  readonly #bus: RelayBus
  readonly #metrics: RelayMetrics | undefined
  readonly #logger: Logger

  constructor(options: { bus: RelayBus; logger: Logger; metrics?: RelayMetrics }) {
    this.#bus = options.bus
    this.#metrics = options.metrics
    this.#logger = options.logger
    this.#bus.attach({
      room: (event) => this.#roomEvent(event),
      peer: (event) => this.#peerEvent(event),
      resync: () => this.#resync(),
    })
  }

  get size(): number {
    return this.#members.size
  }

  /** Rooms with members on this instance. */
  get roomCount(): number {
    return this.#rooms.roomCount
  }

  /** Registers a newly authenticated member, replacing an older connection of the same peer. */
  admit(member: HubMember): void {
    const old = this.#members.get(member.peerId)
    if (old && old !== member) {
      this.depart(old)
      old.replaced()
    }
    this.#members.set(member.peerId, member)
    this.#bus.claim(member.peerId)
  }

  /** Forgets a member and tells its topics it left. A replaced member is already gone. */
  depart(member: HubMember): void {
    if (this.#members.get(member.peerId) !== member) return
    for (const topic of [...member.topics.keys()]) this.leave(member, topic)
    this.#members.delete(member.peerId)
    this.#bus.release(member.peerId)
  }

  join(member: HubMember, topic: Topic): void {
    const room = topic === NEARBY_TOPIC ? member.nearbyRoom : topic
    if (member.topics.has(topic)) {
      this.#listFromBus(member, topic, room, this.#bus.members(room))
      return
    }
    member.topics.set(topic, room)
    const others = this.#rooms.join(room, member.peerId, member)
    for (const other of others) other.send({ type: 'peer-joined', topic, peer: member.peerId })
    this.#listFromBus(member, topic, room, this.#bus.join(room, member.peerId))
  }

  leave(member: HubMember, topic: Topic): void {
    const room = member.topics.get(topic)
    if (room === undefined) return
    member.topics.delete(topic)
    const others = this.#rooms.leave(room, member.peerId) ?? []
    for (const other of others) other.send({ type: 'peer-left', topic, peer: member.peerId })
    this.#bus.leave(room, member.peerId)
  }

  /**
   * Delivers a signal to a peer that shares a topic with the sender: "unknown" if there is none
   * here, "busy" if the peer receives more than it can take and the signal was dropped,
   * "forwarded" if it went to another instance (which refuses it later if it must). `dataText`
   * is the signal's data as JSON text, checked by the sender's session; it is spliced into the
   * frame as it is, never parsed or serialised again.
   */
  route(from: HubMember, to: PeerId, dataText: string): RouteResult {
    const target = this.#members.get(to)
    if (target === from) return this.#counted('unknown')
    if (!target) {
      if (this.#bus.state === 'local') return this.#counted('unknown')
      const rooms = [...from.topics.values()]
      const event: PeerEvent = { kind: 'signal', to, from: from.peerId, rooms, data: dataText }
      void this.#bus.send(event).then((held) => {
        if (held) return this.#metrics?.signal('forwarded')
        this.#metrics?.signal('unknown')
        if (this.#members.get(from.peerId) === from) from.send(refusal('unknown-peer', to))
      })
      return 'forwarded'
    }
    for (const room of from.topics.values()) {
      if (this.#rooms.has(room, to))
        return this.#counted(this.#offer(target, from.peerId, dataText))
    }
    return this.#counted('unknown')
  }

  /** Disconnects nothing, but takes every member off the bus (the instance is closing). */
  departAll(): void {
    for (const member of [...this.#members.values()]) this.depart(member)
  }

  #offer(target: HubMember, from: PeerId, dataText: string): 'sent' | 'busy' {
    const frame = `{"type":"signal","from":${JSON.stringify(from)},"data":${dataText}}`
    return target.offerSignal(frame) ? 'sent' : 'busy'
  }

  #counted(result: RouteResult): RouteResult {
    this.#metrics?.signal(result)
    return result
  }

  /** Sends `member` the room's peers once the bus answers, with the events heard meanwhile. */
  #listFromBus(member: HubMember, topic: Topic, room: string, remote: Promise<PeerId[]>): void {
    let rooms = this.#awaitingList.get(member)
    if (!rooms) this.#awaitingList.set(member, (rooms = new Map()))
    const heard: RoomEvent[] = []
    rooms.set(room, heard)
    void remote.then((listed) => {
      if (rooms.get(room) === heard) rooms.delete(room)
      if (rooms.size === 0 && this.#awaitingList.get(member) === rooms) {
        this.#awaitingList.delete(member)
      }
      const peers = new Set(listed)
      for (const event of heard) {
        if (event.kind === 'joined') peers.add(event.peer)
        else peers.delete(event.peer)
      }
      this.#sendPeers(member, topic, room, [...peers])
    })
  }

  #sendPeers(member: HubMember, topic: Topic, room: string, remote: PeerId[]): void {
    // The member may have left the topic, or the relay, while the bus answered.
    if (this.#members.get(member.peerId) !== member || member.topics.get(topic) !== room) return
    const local = this.#rooms.others(room, member.peerId).map((other) => other.peerId)
    const peers = [...new Set([...local, ...remote])].filter((peer) => peer !== member.peerId)
    member.send({ type: 'peers', topic, peers })
  }

  #roomEvent(event: RoomEvent): void {
    const topic = topicOfRoom(event.room)
    const type = event.kind === 'joined' ? 'peer-joined' : 'peer-left'
    // A peer held here is announced by this hub itself.
    if (this.#rooms.has(event.room, event.peer)) return
    for (const other of this.#rooms.others(event.room, event.peer)) {
      this.#awaitingList.get(other)?.get(event.room)?.push(event)
      other.send({ type, topic, peer: event.peer })
    }
  }

  #peerEvent(event: PeerEvent): void {
    const member = this.#members.get(event.to)
    // An event for a peer no longer here: another instance holds it, or nobody does.
    if (!member) return
    switch (event.kind) {
      case 'signal': {
        const shared = event.rooms.some((room) => this.#rooms.has(room, event.to))
        const result = shared ? this.#offer(member, event.from, event.data) : 'unknown'
        this.#metrics?.signal(result === 'sent' ? 'delivered' : result)
        if (result === 'sent') return
        const code = result === 'busy' ? 'busy' : 'unknown-peer'
        void this.#bus.send({ kind: 'refused', to: event.from, peer: event.to, code })
        return
      }
      case 'refused':
        return member.send(refusal(event.code, event.peer))
      case 'replaced':
        this.#logger.debug(`${event.to.slice(0, 8)}: proven on another instance, replacing`)
        this.depart(member)
        return member.replaced()
    }
  }

  /** After a bus outage: every member gets its topics' peer lists afresh. */
  #resync(): void {
    const rooms = new Map<string, Array<[HubMember, Topic]>>()
    for (const member of this.#members.values()) {
      for (const [topic, room] of member.topics) {
        const list = rooms.get(room) ?? []
        list.push([member, topic])
        rooms.set(room, list)
      }
    }
    for (const [room, holders] of rooms) {
      const remote = this.#bus.members(room)
      for (const [member, topic] of holders) this.#listFromBus(member, topic, room, remote)
    }
  }
}

/** The error frame for a signal that was not delivered. */
export function refusal(code: 'unknown-peer' | 'busy', peer: PeerId): ServerMessage {
  const message =
    code === 'busy' ? 'that peer receives too much; signal dropped' : 'no such peer in your topics'
  return { type: 'error', code, message, ref: peer }
}

/** The topic a member names a room by: "nearby" for the nearby groups, else the room itself. */
function topicOfRoom(room: string): Topic {
  return (room.startsWith('nearby|') ? NEARBY_TOPIC : room) as Topic
}
