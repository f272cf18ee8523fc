import { ImmutableString } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { ShardDoc } from './chat-doc.ts'
import type { Judge } from '../authorship/authorship.ts'
import { receiptClaim } from './chat-claims.ts'
import { compareHlc, isHlc, type Hlc } from './hlc.ts'
import { str, type ChatMessage } from './message-view.ts'
import type { ReceiptView } from './receipt-view.ts'

/**
 * Delivery receipts are high-water marks, one per (reader, author) per shard: "this reader's
 * device holds / has seen `author`'s messages in this shard up to timestamp T". A mark per
 * author (not one per reader) is sound because one author's messages in one document form a
 * causal chain: a device holding an author's later change holds all their earlier ones, whatever
 * order other authors' messages arrive in after a partition.
 *
 * A mark is stored as `<timestamp> <proof>`: the reader's device signs it (chat-claims.ts).
 * Unsigned marks (older workplaces) and marks not signed by their reader count for nothing; a
 * reader's device rewrites its own marks signed when it next raises them.
 */
export type ReceiptKind = 'delivered' | 'read'

export function receiptKey(reader: PeerId, author: PeerId): string {
  return `${reader} ${author}`
}

/** A stored mark: its timestamp and proof (undefined for an unsigned one). */
function parseMark(value: unknown): { hlc: Hlc; proof: string | undefined } | undefined {
  const text = str(value)
  if (text === undefined) return undefined
  const space = text.indexOf(' ')
  const hlc = space < 0 ? text : text.slice(0, space)
  if (!isHlc(hlc)) return undefined
  return { hlc, proof: space < 0 ? undefined : text.slice(space + 1) }
}

/**
 * A reader's mark for an author: the highest of the one stored and those `recalled` (seen before
 * or found in the shard's history, receipt-recall.ts, highest first as it keeps them). With
 * `check` (the shard's key and a judge), only a genuine signed mark counts; without it, any
 * signed mark does. The recalled values are read only down to the first that counts: a busy
 * chat's history holds a value per receipt ever written.
 */
export function readMark(
  doc: ShardDoc | undefined,
  kind: ReceiptKind,
  reader: PeerId,
  author: PeerId,
  check?: { shard: string; judge: Judge },
  recalled: readonly unknown[] = [],
): Hlc | undefined {
  const counts = (mark: { hlc: Hlc; proof: string | undefined }) => {
    if (mark.proof === undefined) return false
    if (!check) return true
    const claim = receiptClaim(check.shard, kind, reader, author, mark.hlc)
    return check.judge(claim, mark.proof) === 'genuine'
  }
  const map = doc?.[kind]
  const key = receiptKey(reader, author)
  const stored =
    typeof map === 'object' && map !== null && Object.hasOwn(map, key)
      ? parseMark(map[key])
      : undefined
  const best = stored && counts(stored) ? stored.hlc : undefined
  for (const value of recalled) {
    const mark = parseMark(value)
    if (!mark) continue
    // Highest first: nothing after this one is higher than the best so far.
    if (best && compareHlc(mark.hlc, best) <= 0) break
    if (counts(mark)) return mark.hlc
  }
  return best
}

/** Each author's newest timestamp in `messages`. */
export function newestByAuthor(messages: readonly ChatMessage[]): Map<PeerId, Hlc> {
  const newest = new Map<PeerId, Hlc>()
  for (const m of messages) {
    const seen = newest.get(m.author)
    if (!seen || compareHlc(m.hlc, seen) > 0) newest.set(m.author, m.hlc)
  }
  return newest
}

/**
 * The marks `reader` should raise: each other author's newest message, given as
 * `newestByAuthor` of the shard's messages. A stored mark counts unless `check` finds it is not
 * the reader's (one still being checked counts, so that it is not written twice).
 */
export function marksToRaise(
  doc: ShardDoc | undefined,
  newest: ReadonlyMap<PeerId, Hlc>,
  kind: ReceiptKind,
  reader: PeerId,
  check?: { shard: string; judge: Judge },
): Map<PeerId, Hlc> {
  const raise = new Map<PeerId, Hlc>()
  const lenient = check && {
    shard: check.shard,
    judge: ((claim, proof) => {
      const verdict = check.judge(claim, proof)
      return verdict === 'pending' ? 'genuine' : verdict
    }) satisfies Judge,
  }
  for (const [author, hlc] of newest) {
    if (author === reader) continue
    const stored = readMark(doc, kind, reader, author, lenient)
    if (!stored || compareHlc(stored, hlc) < 0) raise.set(author, hlc)
  }
  return raise
}

/** Writes raised marks, with their proofs, into a shard inside a change callback. */
export function writeMarks(
  d: ShardDoc,
  kind: ReceiptKind,
  reader: PeerId,
  marks: ReadonlyMap<PeerId, { hlc: Hlc; proof: string }>,
): void {
  d[kind] ??= {}
  for (const [author, { hlc, proof }] of marks) {
    d[kind][receiptKey(reader, author)] = new ImmutableString(`${hlc} ${proof}`)
  }
}

/** The marks a shard held before or its history holds (`ReceiptRecall.values`). */
export type RecalledMarks = (kind: ReceiptKind, reader: PeerId, author: PeerId) => readonly string[]

/** A message's receipts from the marks of its shard (a MarkCache's reader: each read once). */
export function receiptOf(
  message: ChatMessage,
  members: readonly PeerId[],
  marks: (kind: ReceiptKind, reader: PeerId, author: PeerId) => Hlc | undefined,
): ReceiptView {
  const recipients = members.filter((peer) => peer !== message.author)
  const reached = (kind: ReceiptKind, peer: PeerId) => {
    const mark = marks(kind, peer, message.author)
    return mark !== undefined && compareHlc(mark, message.hlc) >= 0
  }
  const read = recipients.filter((peer) => reached('read', peer))
  const delivered = recipients.filter((peer) => read.includes(peer) || reached('delivered', peer))
  const missing = recipients.filter((peer) => !delivered.includes(peer))
  const state =
    recipients.length > 0 && read.length === recipients.length
      ? 'read'
      : delivered.length === 0
        ? 'sent'
        : missing.length === 0
          ? 'delivered'
          : 'partly-delivered'
  return { recipients, delivered, read, missing, state }
}

/** Whether two views of a message's receipts say the same. */
export function sameReceipt(a: ReceiptView, b: ReceiptView): boolean {
  const same = (x: readonly PeerId[], y: readonly PeerId[]) =>
    x.length === y.length && x.every((peer, i) => peer === y[i])
  return (
    a.state === b.state &&
    same(a.recipients, b.recipients) &&
    same(a.delivered, b.delivered) &&
    same(a.read, b.read)
  )
}
