import type { Message } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'

/**
 * A second automerge-repo that syncs some documents over the main repo's network (the chat's
 * repo in a worker): the network adapter tells it of the same peers and hands it the messages
 * about the documents it owns; it sends back through the adapter, under the same access checks.
 */
export interface RepoSide {
  /** Whether this side holds the document (its messages go here, not to the main repo). */
  owns(documentId: string): boolean
  peerUp(peer: PeerId): void
  peerDown(peer: PeerId): void
  /** An accepted message (access already checked) about a document this side owns. */
  deliver(message: Message): void
}
