import { asTopic, type PeerId, type Topic } from '../peer/ids.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'

/** The mesh group of a conversation: one name for the pair, alike on both devices. */
export function pairGroup(a: PeerId, b: PeerId): string {
  return a < b ? `direct.${a}.${b}` : `direct.${b}.${a}`
}

/** The first-contact topic where a device waits for those who know it (`dm.<peer ID>`). */
export function inboxTopic(peer: PeerId): Topic {
  return asTopic(`dm.${peer}`)
}

/** Topics joined to look for contacts at once: a relay allows a connection only so many. */
const MAX_LOOKUPS = 6

/**
 * Keeps links to the devices this one wants to talk to (an open conversation, messages
 * waiting for an ack, a transfer): a mesh group per pair makes the mesh dial and redial them.
 * A device waits in its own inbox topic, and looks in a wanted device's inbox topic when that
 * device is not nearby, so contacts met before find each other through the relay again.
 */
export class PeerReach {
  readonly #mesh: MeshPort
  readonly #reasons = new Map<PeerId, Set<string>>()
  readonly #lookups = new Set<PeerId>()
  readonly #isNearby: (peer: PeerId) => boolean

  constructor(options: { mesh: MeshPort; isNearby: (peer: PeerId) => boolean }) {
    this.#mesh = options.mesh
    this.#isNearby = options.isNearby
    this.#mesh.join(inboxTopic(this.#mesh.self))
  }

  /** Wants a link to `peer` for `reason` until `release(peer, reason)`. */
  want(peer: PeerId, reason: string): void {
    if (peer === this.#mesh.self) return
    let reasons = this.#reasons.get(peer)
    if (!reasons) {
      this.#reasons.set(peer, (reasons = new Set()))
      this.#mesh.setGroup(pairGroup(this.#mesh.self, peer), [peer])
    }
    reasons.add(reason)
    this.refresh()
  }

  release(peer: PeerId, reason: string): void {
    const reasons = this.#reasons.get(peer)
    if (!reasons?.delete(reason) || reasons.size > 0) return
    this.#reasons.delete(peer)
    this.#mesh.removeGroup(pairGroup(this.#mesh.self, peer))
    this.refresh()
  }

  wanted(): PeerId[] {
    return [...this.#reasons.keys()]
  }

  /** Looks (in inbox topics) for the wanted devices that are not nearby nor linked. */
  refresh(): void {
    const lookFor = this.wanted()
      .filter((p) => !this.#isNearby(p) && !this.#mesh.presence.isLinked(p))
      .slice(0, MAX_LOOKUPS)
    for (const peer of [...this.#lookups]) {
      if (lookFor.includes(peer)) continue
      this.#lookups.delete(peer)
      this.#mesh.leave(inboxTopic(peer))
    }
    for (const peer of lookFor) {
      if (this.#lookups.has(peer)) continue
      this.#lookups.add(peer)
      this.#mesh.join(inboxTopic(peer))
    }
  }

  close(): void {
    for (const peer of this.#lookups) this.#mesh.leave(inboxTopic(peer))
    this.#lookups.clear()
    for (const peer of this.#reasons.keys()) {
      this.#mesh.removeGroup(pairGroup(this.#mesh.self, peer))
    }
    this.#reasons.clear()
    this.#mesh.leave(inboxTopic(this.#mesh.self))
  }
}
