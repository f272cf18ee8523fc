import type { PeerId } from '../peer/ids.ts'

/** What the workplace layer needs of the mesh: authenticated direct links, addressed messages. */
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
}
