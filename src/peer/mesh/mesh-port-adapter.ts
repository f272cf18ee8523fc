import type { PeerId, Topic } from '../ids.ts'
import type { Link } from '../link/link.ts'
import type { Signaling } from '../signaling/signaling.ts'
import type { Mesh } from './mesh.ts'
import { MESH_CHANNEL } from './mesh-protocol.ts'
import type { MeshPort, PeerMessageHandler, PeerPresence } from './mesh-port.ts'
import type { Presence } from './presence.ts'
import { syncerPresence } from './syncer.ts'

export interface MeshPortParts {
  readonly mesh: Mesh
  /** Presence gossip over `mesh` (createPresence); absent: no member counts as online. */
  readonly presence?: Pick<Presence, 'online' | 'responsive' | 'on'>
  /** Who is in first-contact topics (the session's signaling view); absent: nobody. */
  readonly topics?: Pick<Signaling, 'peers' | 'on'>
  readonly log?: (message: string) => void
}

/**
 * The MeshPort of a real mesh: routed messages through the mesh's router, link-only and bulk
 * lanes on each authenticated link (one listener per link, dispatched by channel), and one
 * presence view over links, presence gossip and first-contact topics.
 */
export function createMeshPort(parts: MeshPortParts): MeshPort & { close(): void } {
  return new RealMeshPort(parts)
}

class RealMeshPort implements MeshPort {
  readonly self: PeerId
  readonly presence: PeerPresence
  readonly #mesh: Mesh
  readonly #log: (message: string) => void
  readonly #linkMessages = new Map<string, Set<PeerMessageHandler>>()
  readonly #linkListeners = new Map<PeerId, () => void>()
  readonly #linkChange = new Set<(change: { peer: PeerId; up: boolean }) => void>()
  readonly #offs: (() => void)[]

  constructor(parts: MeshPortParts) {
    const { mesh, presence, topics } = parts
    this.self = mesh.self
    this.#mesh = mesh
    this.#log = parts.log ?? ((message) => console.warn(`[mesh port] ${message}`))
    this.#offs = [
      mesh.on('link-up', ({ peer, link }) => {
        this.#listen(peer, link)
        this.#linkChanged(peer, true)
      }),
      mesh.on('link-down', ({ peer }) => {
        this.#linkListeners.get(peer)?.()
        this.#linkListeners.delete(peer)
        this.#linkChanged(peer, false)
      }),
    ]
    for (const link of mesh.links()) this.#listen(link.remote, link)
    const self = this.self
    this.presence = {
      linkedPeers: () => mesh.linkedPeers(),
      isLinked: (peer) => mesh.linkTo(peer)?.state === 'open',
      onLinkChange: (handler) => subscribe(this.#linkChange, handler),
      ...syncerPresence(self, presence),
      topicPeers: (topic: Topic) => topics?.peers(topic) ?? [],
      onTopicChange(handler) {
        if (!topics) return () => {}
        const offs = [
          topics.on('peer-joined', () => handler()),
          topics.on('peer-left', () => handler()),
          topics.on('state', () => handler()),
        ]
        return () => offs.forEach((off) => off())
      },
    }
  }

  send(peer: PeerId, channel: string, data: Uint8Array, order?: string): boolean {
    return this.#mesh.send(peer, channel, data, order)
  }

  onMessage(channel: string, handler: PeerMessageHandler): () => void {
    return this.#mesh.onMessage(channel, ({ from, data }) => handler({ from, data }))
  }

  sendLinked(peer: PeerId, channel: string, data: Uint8Array): boolean {
    const link = this.#openLink(peer, channel)
    if (!link) return false
    try {
      link.send(channel, data)
      return true
    } catch (error) {
      this.#log(`could not send ${channel} to ${peer}: ${String(error)}`)
      return false
    }
  }

  onLinkMessage(channel: string, handler: PeerMessageHandler): () => void {
    reserved(channel)
    let handlers = this.#linkMessages.get(channel)
    if (!handlers) this.#linkMessages.set(channel, (handlers = new Set()))
    return subscribe(handlers, handler)
  }

  async sendBulk(peer: PeerId, channel: string, data: Uint8Array): Promise<void> {
    const link = this.#openLink(peer, channel)
    if (!link) throw new Error(`no link to ${peer}`)
    await link.sendBulk(channel, data)
  }

  openRawChannel(peer: PeerId, label: string): RTCDataChannel | undefined {
    return this.#mesh.linkTo(peer)?.openRawChannel?.(label)
  }

  setGroup(group: string, peers: readonly PeerId[], options?: { eager?: boolean }): void {
    this.#mesh.setGroup(group, peers, options)
  }

  removeGroup(group: string): void {
    this.#mesh.removeGroup(group)
  }

  join(topic: Topic): void {
    this.#mesh.join(topic)
  }

  leave(topic: Topic): void {
    this.#mesh.leave(topic)
  }

  reauthorize(): void {
    this.#mesh.reauthorize()
  }

  close(): void {
    for (const off of this.#offs.splice(0)) off()
    for (const off of this.#linkListeners.values()) off()
    this.#linkListeners.clear()
    this.#linkMessages.clear()
    this.#linkChange.clear()
  }

  #openLink(peer: PeerId, channel: string): Link | undefined {
    reserved(channel)
    const link = this.#mesh.linkTo(peer)
    return link?.state === 'open' ? link : undefined
  }

  #listen(peer: PeerId, link: Link): void {
    this.#linkListeners.get(peer)?.()
    const off = link.on('message', ({ channel, data }) => {
      if (channel === MESH_CHANNEL) return
      for (const handler of [...(this.#linkMessages.get(channel) ?? [])]) {
        handler({ from: peer, data })
      }
    })
    this.#linkListeners.set(peer, off)
  }

  #linkChanged(peer: PeerId, up: boolean): void {
    for (const handler of [...this.#linkChange]) handler({ peer, up })
  }
}

/** The mesh's own link channel carries routed traffic; no feature may read or write it raw. */
function reserved(channel: string): void {
  if (channel === MESH_CHANNEL) throw new Error(`link channel "${channel}" is the mesh's own`)
}

function subscribe<T>(set: Set<T>, handler: T): () => void {
  set.add(handler)
  return () => void set.delete(handler)
}
