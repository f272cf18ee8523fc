import type { PeerMetadata, StorageId } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'

/**
 * What the repo is told of a linked member. Its `storageId` is the key under which the repo
 * keeps, in this device's own storage, the sync state it has with that peer (per document), so
 * a page that reopens takes up its sync where it left off: its first message says what it
 * already shares with the peer, and the peer answers with just the changes made since, rather
 * than both sides starting from nothing (Bloom filters of the whole history, and a further round
 * trip for every change the filter wrongly counts as held).
 *
 * The ID is derived here from the peer ID the link proved, never read from the wire: nothing
 * is sent, so no peer learns anything from it, and no peer can name another's storage to read
 * or overwrite the sync state kept for that one.
 */
export function linkedPeerMetadata(peer: PeerId): PeerMetadata {
  return { isEphemeral: false, storageId: `peer-${peer}` as StorageId }
}
