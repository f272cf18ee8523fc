import type { PeerId } from '../../src/peer/ids.ts'
import type { LinkFactory } from '../../src/peer/mesh/dialer.ts'
import { decodeEnvelope, MESH_CHANNEL } from '../../src/peer/mesh/mesh-protocol.ts'

/**
 * Counts the mesh frames links carry, by envelope channel (`mesh.presence`, an app channel…),
 * for each peer: frames it sent and frames it received (an in-memory pipe delivers what is
 * sent, so a frame sent to a peer counts as received by it).
 */
export class FrameCounter {
  readonly #counts = new Map<string, Map<PeerId, number>>()

  /** Wraps a link factory so that every link it makes is counted. */
  wrap(factory: LinkFactory): LinkFactory {
    return async (args) => {
      const link = await factory(args)
      const self = args.identity.peerId
      const send = link.send.bind(link)
      Object.assign(link, {
        send: (channel: string, data: Uint8Array) => {
          if (channel === MESH_CHANNEL) {
            const decoded = decodeEnvelope(data)
            const name = decoded.ok ? decoded.envelope.channel : 'invalid'
            this.#add(name, self)
            this.#add(name, link.remote)
          }
          send(channel, data)
        },
      })
      return link
    }
  }

  /** Frames sent plus received on `channel` by each peer. */
  perPeer(channel: string): ReadonlyMap<PeerId, number> {
    return this.#counts.get(channel) ?? new Map()
  }

  /** Frames on the wire on `channel` (each counted once). */
  total(channel: string): number {
    let sum = 0
    for (const count of this.perPeer(channel).values()) sum += count
    return sum / 2
  }

  reset(): void {
    this.#counts.clear()
  }

  #add(channel: string, peer: PeerId): void {
    let byPeer = this.#counts.get(channel)
    if (!byPeer) this.#counts.set(channel, (byPeer = new Map()))
    byPeer.set(peer, (byPeer.get(peer) ?? 0) + 1)
  }
}
