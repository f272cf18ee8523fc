import { sha256 } from '@noble/hashes/sha2.js'
import type { Peer } from 'peerjs'
import { base32 } from '../../lib/base32.ts'
import { isPeerId, type PeerId, type Topic } from '../ids.ts'
import { BROKER_ID_TAKEN_OVER } from './peerjs-id-proof.ts'

/**
 * Topics on a PeerJS broker, which has none. Each joined topic is one more broker client with
 * the ID `pp<hash(topic)>-<peerId>` that only exists to be listed (it never dials, and closes
 * anything dialed to it); the peers of a topic are found by polling the broker's peer list
 * (`allow_discovery`) for IDs with that topic's prefix (Peerplace's own broker lists only those:
 * `?prefix=`). Dialing uses the separate ID
 * `pp-<peerId>` so a peer is reachable whatever topics it is in. A vanished tab drops off the
 * list when the broker notices its socket closed. The list names every client of the broker,
 * so this suits the embedded server or a private one, not a large public broker.
 */
export function mainPeerJsId(peer: PeerId): string {
  return `pp-${peer}`
}

/** The peer behind a main ID, or undefined if the ID is not one of ours. */
export function peerFromMainId(id: string): PeerId | undefined {
  const peer = id.startsWith('pp-') ? id.slice(3) : undefined
  return isPeerId(peer) ? peer : undefined
}

export function topicHash(topic: Topic): string {
  return base32(sha256(new TextEncoder().encode(topic)).subarray(0, 10))
}

export interface PeerJsPresenceOptions {
  self: PeerId
  /** A broker client with this ID; presence clients never carry connections. */
  createPeer: (id: string) => Peer
  /** The client IDs the broker knows that start with `prefix` (it may list more). */
  listPeers: (prefix: string) => Promise<string[]>
  onJoined: (topic: Topic, peer: PeerId) => void
  onLeft: (topic: Topic, peer: PeerId) => void
  onError: (message: string) => void
  /** A newer connection of this device proved a presence ID to the broker (BROKER_ID_TAKEN_OVER). */
  onTakenOver: () => void
}

interface TopicPresence {
  readonly prefix: string
  client: Peer | undefined
  peers: Set<PeerId>
}

export class PeerJsPresence {
  readonly #options: PeerJsPresenceOptions
  readonly #topics = new Map<Topic, TopicPresence>()
  #active = false
  #polling = false
  #discoveryRefused = false

  constructor(options: PeerJsPresenceOptions) {
    this.#options = options
  }

  /** Starts (or restarts) the presence clients, once the main client is registered. */
  activate(): void {
    this.#active = true
    for (const presence of this.#topics.values()) this.#ensureClient(presence)
    void this.poll()
  }

  join(topic: Topic): void {
    if (this.#topics.has(topic)) return
    const presence: TopicPresence = {
      prefix: `pp${topicHash(topic)}-`,
      client: undefined,
      peers: new Set(),
    }
    this.#topics.set(topic, presence)
    if (this.#active) {
      this.#ensureClient(presence)
      void this.poll()
    }
  }

  leave(topic: Topic): void {
    this.#topics.get(topic)?.client?.destroy()
    this.#topics.delete(topic)
  }

  peers(topic: Topic): readonly PeerId[] {
    return [...(this.#topics.get(topic)?.peers ?? [])]
  }

  /** Keeps presence clients registered; called periodically. */
  maintain(): void {
    if (!this.#active) return
    for (const presence of this.#topics.values()) this.#ensureClient(presence)
  }

  /** Reads the broker's list once and reports arrivals and departures. */
  async poll(): Promise<void> {
    if (!this.#active || this.#polling || this.#topics.size === 0) return
    this.#polling = true
    try {
      for (const [topic, presence] of [...this.#topics]) {
        this.#update(topic, presence, await this.#options.listPeers(presence.prefix))
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (!this.#discoveryRefused) this.#options.onError(`PeerJS discovery failed: ${message}`)
      this.#discoveryRefused = /\b401\b/.test(message)
    } finally {
      this.#polling = false
    }
  }

  close(): void {
    this.#active = false
    for (const presence of this.#topics.values()) presence.client?.destroy()
    this.#topics.clear()
  }

  #update(topic: Topic, presence: TopicPresence, ids: readonly string[]): void {
    if (this.#topics.get(topic) !== presence) return // left while the list was in flight
    const now = new Set<PeerId>()
    for (const id of ids) {
      if (!id.startsWith(presence.prefix)) continue
      const peer = id.slice(presence.prefix.length)
      if (isPeerId(peer) && peer !== this.#options.self) now.add(peer)
    }
    for (const peer of now) {
      if (!presence.peers.has(peer)) {
        presence.peers.add(peer)
        this.#options.onJoined(topic, peer)
      }
    }
    for (const peer of [...presence.peers]) {
      if (!now.has(peer)) {
        presence.peers.delete(peer)
        this.#options.onLeft(topic, peer)
      }
    }
  }

  #ensureClient(presence: TopicPresence): void {
    const client = presence.client
    if (client && !client.destroyed) {
      if (client.disconnected) client.reconnect()
      return
    }
    const created = this.#options.createPeer(`${presence.prefix}${this.#options.self}`)
    created.on('connection', (connection) => connection.close())
    created.on('error', (error) => {
      if (error.type === 'unavailable-id') {
        this.#options.onError('this peer ID is already present in the topic (another tab?)')
      }
      if (error.type === 'server-error' && error.message === BROKER_ID_TAKEN_OVER) {
        this.#options.onTakenOver()
      }
    })
    presence.client = created
  }
}
