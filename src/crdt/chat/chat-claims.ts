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

/** A reaction's state as its member set it: added (`on`) or taken back, at their clock. */
export interface ReactionState {
  on: boolean
  hlc: string
}

/**
 * A reaction's state. The newest genuine state of each (member, emoji) counts, so a member's
 * signed take-back removes their reaction and nobody else can (a reaction missing from the
 * document without its member's take-back is read from the shard's history). Without `state`:
 * a reaction signed before take-backs were (no clock, always added), still read.
 */
export function reactionClaim(
  shard: string,
  id: string,
  peer: PeerId,
  emoji: string,
  state?: ReactionState,
): Claim {
  return {
    doc: shardDocName(shard),
    key: `${id}/re/${emoji}`,
    peer,
    content: state ? state.on : true,
    clock: state ? state.hlc : 0,
  }
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
