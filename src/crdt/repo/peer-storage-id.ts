import type { PeerMetadata, StorageId } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'

/**
 * What the repo is told of a linked member. Its `storageId` is the key under which the repo
 * keeps, in this device's own storage, the sync state it has with that peer (per document), so
 * a page that reopens takes up its sync where it left off: its first message says what it
 * already shares with the peer, and the peer answers with the changes made since, rather than
 * both sides starting from nothing (a Bloom filter of the whole history).
 *
 * The ID is derived here from the peer ID the link proved, never read from the wire: no peer
 * learns anything from it, and no peer can name another's storage. A kept sync state is written
 * only after its document (see SyncStateAfterDocument).
 */
export function linkedPeerMetadata(peer: PeerId): PeerMetadata {
  return { isEphemeral: false, storageId: `peer-${peer}` as StorageId }
}
