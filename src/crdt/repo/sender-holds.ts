import { next as Automerge } from '@automerge/automerge/slim'
import type { Message, PeerId as RepoPeerId } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'

/**
 * What a pushed change tells the repo's sync: its sender holds that change and everything it
 * depends on. Without this, sync (which knows nothing of pushes) sends every pushed change back
 * to its sender, and each receiver does, 100 ms later: a 3-member chat moved every message
 * three times over.
 *
 * It is told as a sync message from the sender carrying only those heads: the repo's sync state
 * for the sender then counts them as shared, and the repo answers it at once with this device's
 * own heads, so the sender learns the change arrived before its own sync runs. The message has
 * no `have`, so until the sender's next real sync message this device sends it only the
 * changes it asks for: nothing is assumed about what else the sender holds.
 */
export function senderHolds(
  from: PeerId,
  self: RepoPeerId,
  documentId: string,
  heads: readonly string[],
): Message {
  return {
    type: 'sync',
    senderId: from as unknown as RepoPeerId,
    targetId: self,
    documentId: documentId as Message['documentId'],
    data: Automerge.encodeSyncMessage({ heads: [...heads], need: [], have: [], changes: [] }),
  } as Message
}
