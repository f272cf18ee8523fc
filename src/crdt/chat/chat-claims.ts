import type { PeerId } from '../../peer/ids.ts'
import type { Claim } from '../../peer/identity/record-proof.ts'
import type { ReceiptKind } from './receipts.ts'

/**
 * What each chat record's proof signs. Writers and readers build claims here only, so both
 * sides always sign and check the same thing.
 */
function shardDocName(shard: string): string {
  return `chat:${shard}`
}

export function messageClaim(
  shard: string,
  id: string,
  author: PeerId,
  hlc: string,
  text: string,
  replyTo: string | undefined,
): Claim {
  return {
    doc: shardDocName(shard),
    key: id,
    peer: author,
    content: { x: text, r: replyTo ?? null },
    clock: hlc,
  }
}

export function editClaim(
  shard: string,
  id: string,
  author: PeerId,
  hlc: string,
  text: string,
): Claim {
  return { doc: shardDocName(shard), key: `${id}/ed`, peer: author, content: text, clock: hlc }
}

export function deleteClaim(shard: string, id: string, author: PeerId, hlc: string): Claim {
  return { doc: shardDocName(shard), key: `${id}/del`, peer: author, content: null, clock: hlc }
}

/** A reaction has no clock: taking it back removes it, and adding it again signs it again. */
export function reactionClaim(shard: string, id: string, peer: PeerId, emoji: string): Claim {
  return { doc: shardDocName(shard), key: `${id}/re/${emoji}`, peer, content: true, clock: 0 }
}

export function receiptClaim(
  shard: string,
  kind: ReceiptKind,
  reader: PeerId,
  author: PeerId,
  hlc: string,
): Claim {
  return {
    doc: shardDocName(shard),
    key: `${kind}/${author}`,
    peer: reader,
    content: null,
    clock: hlc,
  }
}
