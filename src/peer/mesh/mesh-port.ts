import type { PeerId, Topic } from '../ids.ts'

/** A message from a peer: `from` is the authenticated sender (for link-only lanes, the link's). */
export interface PeerMessage {
  readonly from: PeerId
  readonly data: Uint8Array
}

export type PeerMessageHandler = (message: PeerMessage) => void

/**
 * Who this device can reach, in one place: peers with an open authenticated link, members
 * online in each mesh group (by presence gossip), and peers present in first-contact topics.
 */
export interface PeerPresence {
  /** Peers with an open, authenticated direct link. */
  linkedPeers(): readonly PeerId[]
  isLinked(peer: PeerId): boolean
  /** Link up/down; called after the link-only lanes of a new link are listening. */
  onLinkChange(handler: (change: { peer: PeerId; up: boolean }) => void): () => void
  /** Online members of a group, self included, sorted; just self for an unknown group. */
  online(group: string): readonly PeerId[]
  /**
   * The group's Syncer: its online member with the lowest peer ID (self included) among those
   * that answer (a member none of its neighbours has heard from for a moment is passed over).
   */
  syncer(group: string): PeerId
  /** Called with the group whose online members (or its Syncer) may have changed. */
  onOnlineChange(handler: (group: string) => void): () => void
  /** Peers present in a first-contact topic (e.g. the relay's "nearby" topic). */
  topicPeers(topic: Topic): readonly PeerId[]
  /** Topic presence may have changed (a peer came or went, signaling opened or closed). */
  onTopicChange(handler: () => void): () => void
}

/**
 * The one port every feature reaches peers through. Three lanes:
 * - routed: `send`/`onMessage`, delivered directly or forwarded hop by hop over the mesh;
 * - link-only: `sendLinked`/`onLinkMessage`, only over this device's own link to the peer, so
 *   the sender is proven by the link, never claimed by a forwarder;
 * - bulk: `sendBulk`, link-only on the link's bulk side channel, with backpressure.
 * Link-only and bulk channels are raw link channels: the two sides must agree on them, and
 * a handler registered for a link-only channel receives both lanes' messages on it.
 */
export interface MeshPort {
  readonly self: PeerId
  readonly presence: PeerPresence
  /**
   * Sends to a peer, forwarded when not directly linked (flooded when no route is known, so
   * `true` does not promise delivery); false when it could not go anywhere: no link, or self.
   * Messages of one channel and `order` arrive in the order sent; a short message of another
   * may pass a long one on the way (say, a chat push a big document's sync).
   */
  send(peer: PeerId, channel: string, data: Uint8Array, order?: string): boolean
  onMessage(channel: string, handler: PeerMessageHandler): () => void
  /** Sends over the direct link only; false when there is no open link (or it failed). */
  sendLinked(peer: PeerId, channel: string, data: Uint8Array): boolean
  /** Messages on a link channel, from the peer at the far end of that link. */
  onLinkMessage(channel: string, handler: PeerMessageHandler): () => void
  /**
   * Sends on the link's bulk side channel; resolves once queued under the high-water mark
   * (wait for it before the next send). Rejects when there is no open link.
   */
  sendBulk(peer: PeerId, channel: string, data: Uint8Array): Promise<void>
  /**
   * A raw data channel on the direct link's connection to `peer`, for the caller to own: a page
   * transfers it to a worker (in the same task), so that traffic between two workers skips both
   * pages. What arrives on it comes from `peer` (the link proved the connection's DTLS peer).
   * Both ends must make one with the same label; each must then learn that the other listens
   * before it sends (ChannelPipe's handshake). Undefined with no open link, a transport without
   * such channels, or a label already used on that link.
   */
  openRawChannel?(peer: PeerId, label: string): RTCDataChannel | undefined
  /**
   * The peers to keep links to for a group (a workplace's members, a conversation partner).
   * `eager`: dial them at once, as they do not know us and will not dial first.
   */
  setGroup(group: string, peers: readonly PeerId[], options?: { eager?: boolean }): void
  removeGroup(group: string): void
  /** Meet peers through first-contact signaling in a topic. */
  join(topic: Topic): void
  leave(topic: Topic): void
  /** Re-asks the authorization callback about every link (after membership changes). */
  reauthorize(): void
}
