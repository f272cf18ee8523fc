import type { PeerId } from '../../src/peer/ids.ts'
import type { MeshEvents } from '../../src/peer/mesh/mesh.ts'
import type { GroupId } from '../../src/peer/mesh/mesh-protocol.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import type { Link, LinkEvents, LinkPathState } from '../../src/peer/link/link.ts'
import { ResumableMesh } from '../../src/peer/mesh/resumable-mesh.ts'
import type { MeshMessage, MeshMessageHandler } from '../../src/peer/mesh/router.ts'

/**
 * A mesh with no network (a ResumableMesh never run) that records what is sent and lets a
 * test deliver messages, set the linked peers and fire mesh events by hand. With `wire` set,
 * a send to a linked peer is handed to `wire` instead (a simulated network of such meshes).
 */
export class FakePresenceMesh extends ResumableMesh {
  readonly sent: { to?: PeerId; groupId?: GroupId; channel: string; data: Uint8Array }[] = []
  readonly #handlers = new Map<string, Set<MeshMessageHandler>>()
  linked: PeerId[] = []
  /** Stand-ins for the links (path state and its events only). */
  readonly #links = new Map<PeerId, FakeLink>()
  wire: ((to: PeerId, channel: string, data: Uint8Array) => void) | undefined

  override linkTo(peer: PeerId): Link | undefined {
    return this.linked.includes(peer) ? (this.#links.get(peer) as unknown as Link) : undefined
  }

  /** What the link to `peer` has heard: nothing since `since` (a time on `now`), or all along. */
  setSilent(peer: PeerId, since: number | undefined, now: () => number): void {
    const link = this.#links.get(peer)
    if (link) link.silentSince = since === undefined ? undefined : { since, now }
  }

  /** The link to `peer` loses its path ('restarting') or gets it back ('ok'). */
  setPath(peer: PeerId, state: LinkPathState): void {
    const link = this.#links.get(peer)
    if (!link) return
    link.setPath(state)
  }

  override linkedPeers(): readonly PeerId[] {
    return this.linked
  }

  override send(peer: PeerId, channel: string, data: Uint8Array): boolean {
    if (this.wire) {
      if (!this.linked.includes(peer)) return false
      this.wire(peer, channel, data)
      return true
    }
    this.sent.push({ to: peer, channel, data })
    return true
  }

  override broadcast(groupId: GroupId, channel: string, data: Uint8Array): boolean {
    this.sent.push({ groupId, channel, data })
    return true
  }

  override onMessage(channel: string, handler: MeshMessageHandler): () => void {
    let set = this.#handlers.get(channel)
    if (!set) this.#handlers.set(channel, (set = new Set()))
    set.add(handler)
    return () => set.delete(handler)
  }

  deliver(channel: string, message: MeshMessage): void {
    for (const handler of this.#handlers.get(channel) ?? []) handler(message)
  }

  fire<K extends keyof MeshEvents>(event: K, value: MeshEvents[K]): void {
    this.emit(event, value)
  }

  /** Links to `peer` (or drops the link), firing the mesh event as a real mesh would. */
  setLinked(peer: PeerId, up: boolean): void {
    if (up === this.linked.includes(peer)) return
    this.linked = up ? [...this.linked, peer] : this.linked.filter((p) => p !== peer)
    const link = new FakeLink(peer)
    if (up) this.#links.set(peer, link)
    else this.#links.delete(peer)
    if (up) this.emit('link-up', { peer, link: link as unknown as Link })
    else this.emit('link-down', { peer, reason: 'test' })
  }
}

class FakeLink extends Emitter<LinkEvents> {
  path: LinkPathState = 'ok'
  silentSince: { since: number; now: () => number } | undefined
  constructor(readonly remote: PeerId) {
    super()
  }

  /** Heard all along, unless a test made it silent. */
  get silentForMs(): number {
    return this.silentSince ? this.silentSince.now() - this.silentSince.since : 0
  }

  setPath(state: LinkPathState): void {
    this.path = state
    this.emit('path', { state })
  }
}
