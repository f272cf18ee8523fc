import type { PeerId, Topic } from '../src/peer/ids.ts'
import { NEARBY_TOPIC, type ServerMessage } from '../src/peer/signaling/relay-protocol.ts'
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

/** In-memory routing between authenticated connections; it holds nothing else. */
export class RelayHub {
  readonly #members = new Map<PeerId, HubMember>()
  readonly #rooms = new TopicRegistry<HubMember>()

  get size(): number {
    return this.#members.size
  }

  /** Registers a newly authenticated member, replacing an older connection of the same peer. */
  admit(member: HubMember): void {
    const old = this.#members.get(member.peerId)
    if (old && old !== member) {
      this.depart(old)
      old.replaced()
    }
    this.#members.set(member.peerId, member)
  }

  /** Forgets a member and tells its topics it left. A replaced member is already gone. */
  depart(member: HubMember): void {
    if (this.#members.get(member.peerId) !== member) return
    for (const topic of [...member.topics.keys()]) this.leave(member, topic)
    this.#members.delete(member.peerId)
  }

  join(member: HubMember, topic: Topic): void {
    const room = topic === NEARBY_TOPIC ? member.nearbyRoom : topic
    if (member.topics.has(topic)) {
      const peers = this.#rooms.others(room, member.peerId).map((other) => other.peerId)
      member.send({ type: 'peers', topic, peers })
      return
    }
    member.topics.set(topic, room)
    const others = this.#rooms.join(room, member.peerId, member)
    member.send({ type: 'peers', topic, peers: others.map((other) => other.peerId) })
    for (const other of others) other.send({ type: 'peer-joined', topic, peer: member.peerId })
  }

  leave(member: HubMember, topic: Topic): void {
    const room = member.topics.get(topic)
    if (room === undefined) return
    member.topics.delete(topic)
    const others = this.#rooms.leave(room, member.peerId) ?? []
    for (const other of others) other.send({ type: 'peer-left', topic, peer: member.peerId })
  }

  /**
   * Delivers a signal to a peer that shares a topic with the sender: "unknown" if there is none,
   * "busy" if the peer receives more than it can take and the signal was dropped. `dataText` is
   * the signal's data as JSON text, checked by the sender's session; it is spliced into the
   * frame as it is, never parsed or serialised again.
   */
  route(from: HubMember, to: PeerId, dataText: string): 'sent' | 'unknown' | 'busy' {
    const target = this.#members.get(to)
    if (!target || target === from) return 'unknown'
    for (const room of from.topics.values()) {
      if (this.#rooms.has(room, to)) {
        const frame = `{"type":"signal","from":${JSON.stringify(from.peerId)},"data":${dataText}}`
        return target.offerSignal(frame) ? 'sent' : 'busy'
      }
    }
    return 'unknown'
  }
}
