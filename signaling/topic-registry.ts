import type { PeerId } from '../src/peer/ids.ts'

/**
 * Who is in which topic. Keys are the server's own room names (a topic, or the nearby group of
 * one network address), so two clients share a room exactly when they share a key.
 */
export class TopicRegistry<Member> {
  readonly #rooms = new Map<string, Map<PeerId, Member>>()

  /** Adds a member; returns the others already there. */
  join(room: string, peer: PeerId, member: Member): Member[] {
    const others = this.others(room, peer)
    let members = this.#rooms.get(room)
    if (!members) this.#rooms.set(room, (members = new Map()))
    members.set(peer, member)
    return others
  }

  /** Removes a member; returns the others left to tell, or undefined if it was not there. */
  leave(room: string, peer: PeerId): Member[] | undefined {
    const members = this.#rooms.get(room)
    if (!members?.delete(peer)) return undefined
    if (members.size === 0) this.#rooms.delete(room)
    return [...members.values()]
  }

  /** The members of a room other than `peer`. */
  others(room: string, peer: PeerId): Member[] {
    const members = this.#rooms.get(room)
    return members ? [...members].filter(([id]) => id !== peer).map(([, other]) => other) : []
  }

  has(room: string, peer: PeerId): boolean {
    return this.#rooms.get(room)?.has(peer) ?? false
  }

  get roomCount(): number {
    return this.#rooms.size
  }
}
