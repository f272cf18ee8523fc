import type { PeerId, Topic } from '../peer/ids.ts'

/** What the workplace layer needs of the mesh: authenticated links and addressed messages. */
export interface MeshPort {
  readonly self: PeerId
  /** Peers with an open, authenticated direct link. */
  linkedPeers(): readonly PeerId[]
  /** Sends to a peer, forwarded hop by hop when not directly linked. */
  send(peer: PeerId, channel: string, data: Uint8Array): void
  onMessage(
    channel: string,
    handler: (message: { from: PeerId; data: Uint8Array }) => void,
  ): () => void
  onLinkChange(handler: (change: { peer: PeerId; up: boolean }) => void): () => void
  /**
   * The peers to keep links to for a group (a workplace's members, or those a joiner dials).
   * `eager`: dial them at once, as they do not know us and will not dial first.
   */
  setGroup(group: string, peers: readonly PeerId[], options?: { eager?: boolean }): void
  /** Meet peers through first-contact signaling in a topic. */
  join(topic: Topic): void
  leave(topic: Topic): void
  /** Re-asks the authorization callback about every link (after membership changes). */
  reauthorize(): void
}
