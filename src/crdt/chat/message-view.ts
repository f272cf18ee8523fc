import { isPeerId, type PeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import type { Written } from '../authorship/record-origins.ts'
import { deleteClaim, editClaim, messageClaim } from './chat-claims.ts'
import { MAX_MESSAGE_BYTES } from './chat-doc.ts'
import { compareHlc, hlcTime, isHlc, type Hlc } from './hlc.ts'
import { countObjects, messageCandidates, type MessageHistory } from './message-history.ts'
import { reactionCount, readReactions, type Reaction } from './message-reactions.ts'
import { str } from './stored-string.ts'

export { str }
export { isEmoji } from './message-reactions.ts'

/** A message as the UI shows it: validated, with only its author's edits and deletion applied. */
export interface ChatMessage {
  id: string
  author: PeerId
  hlc: Hlc
  /** Wall-clock time of `hlc`, in milliseconds. */
  at: number
  /** The current text: the author's latest edit, or '' once deleted. */
  text: string
  edited: boolean
  deleted: boolean
  replyTo?: string
  reactions: Reaction[]
  /** The key of the shard that holds it. */
  shard: string
  /**
   * Whether its author's device signed it. Unsigned messages (written before messages were
   * signed, or by a forger) are shown only as "unverified"; wrongly signed ones not at all.
   */
  verified: boolean
}

/** What `readMessage` answers while a signature check is still under way. */
export const PENDING = 'pending'

const MESSAGE_ID = /^[a-z2-7]{16,32}$/

function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value)
}

const encoder = new TextEncoder()

/** Why a text may not be sent or shown, or null. */
export function textError(text: string): string | null {
  if (text.length * 3 > MAX_MESSAGE_BYTES && encoder.encode(text).length > MAX_MESSAGE_BYTES) {
    return `A message can be at most ${MAX_MESSAGE_BYTES / 1024} KiB of text.`
  }
  return null
}

/** Stable order on every peer: timestamp, then author, then ID. */
export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  return (
    compareHlc(a.hlc, b.hlc) ||
    (a.author < b.author ? -1 : a.author > b.author ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}

/**
 * Reads one stored message, or returns why it is not shown (`PENDING` while its signature is
 * being checked). Only its author's signed edit and deletion count, and only signed reactions;
 * an unsigned message (an older workplace's) reads as unverified, with the unsigned edit,
 * deletion and reactions of its time.
 */
export function readMessage(
  id: string,
  raw: unknown,
  shard: string,
  judge: Judge,
  origins?: Origins,
): ChatMessage | string {
  if (!isMessageId(id)) return 'malformed message ID'
  if (typeof raw !== 'object' || raw === null) {
    // Removed (`raw` undefined) or overwritten with something else: only its history can tell.
    const history = origins?.(id, 'now')
    return (history && fromHistory(id, history, shard, judge)?.message) ?? 'not an object'
  }
  const stored = raw as Record<string, unknown>
  const notes = { suspect: false }
  const read = readStored(id, stored, shard, judge, undefined, notes)
  if (!origins || read === PENDING) return read
  if (typeof read !== 'string' && read.verified) {
    // Genuine as stored. Its history is looked at only once read for other reasons (or at once
    // if some reaction on it is not genuine), and only if more was ever written under it than
    // it holds (someone may have removed the author's deletion or latest edit, or a member's
    // reaction, which only that member's signed take-back removes).
    const history = origins(id, notes.suspect ? 'now' : 'if-read', read)
    if (!history) return read
    if (history.count > countObjects(stored)) {
      return fromHistory(id, history, shard, judge)?.message ?? read
    }
    if (!notes.suspect && history.reactions().length <= reactionCount(stored.re)) return read
    return readStored(id, stored, shard, judge, history.reactions())
  }
  // Not genuine, malformed or unsigned as stored: someone may have overwritten what its author
  // signed. An unsigned record may be an older workplace's, with nothing signed in its history:
  // those are not worth reading the history for while a chat opens (`soon`).
  const history = origins(id, typeof read === 'string' ? 'now' : 'soon')
  return (history && fromHistory(id, history, shard, judge)?.message) ?? read
}

/**
 * The message as its author signed it, from its history, and the record it reads from; `pending`
 * while a signature is being checked, undefined if nothing there is signed by its author.
 */
export function fromHistory(
  id: string,
  history: MessageHistory,
  shard: string,
  judge: Judge,
): { message: ChatMessage | typeof PENDING; record?: Record<string, unknown> } | undefined {
  if (!history.signed) return undefined
  const candidates = messageCandidates(id, history.parts(), shard, judge)
  if (candidates === PENDING) return { message: PENDING }
  for (const record of candidates) {
    const message = readStored(id, record, shard, judge, history.reactions())
    if (message === PENDING) return { message }
    if (typeof message !== 'string' && message.verified) return { message, record }
  }
  return undefined
}

/**
 * `readMessage` of the record as given (stored, or as its creating change wrote it), with its
 * reactions read from `reactions` (every entry its history holds) if given; `notes.suspect`
 * tells whether some reaction entry stored is not genuine.
 */
function readStored(
  id: string,
  m: Record<string, unknown>,
  shard: string,
  judge: Judge,
  reactions?: readonly Written[],
  notes?: { suspect: boolean },
): ChatMessage | string {
  const author = str(m.a)
  const hlc = str(m.t)
  const original = str(m.x)
  if (!isPeerId(author)) return 'malformed author'
  if (!isHlc(hlc)) return 'malformed timestamp'
  if (original === undefined || textError(original)) return 'malformed or oversized text'
  const replyTo = m.r === undefined ? undefined : str(m.r)
  if (replyTo !== undefined && (!isMessageId(replyTo) || replyTo === id)) return 'malformed reply'

  const signed = m.s !== undefined
  let deleted: boolean
  let verified = false
  const deletion = field(m.del, author)
  if (signed || (typeof deletion === 'object' && deletion !== null && !('val' in deletion))) {
    const del = deletion as Record<string, unknown> | undefined
    const delHlc = str(del?.t)
    deleted = isHlc(delHlc) && judge(deleteClaim(shard, id, author, delHlc), del?.s) === 'genuine'
    // A deletion signed by the author proves the message was theirs (its text is gone).
    verified = deleted
  } else {
    deleted = isHlc(str(deletion))
  }
  if (!deleted) {
    const verdict = judge(messageClaim(shard, id, author, hlc, original, replyTo), m.s)
    if (verdict === 'pending') return PENDING
    if (verdict !== 'genuine' && verdict !== 'unsigned') return `not genuine: ${verdict}`
    verified = verdict === 'genuine'
  }

  const edit = field(m.ed, author) as Record<string, unknown> | undefined
  const editText = str(edit?.x)
  const editHlc = str(edit?.t)
  const edited =
    !deleted &&
    editText !== undefined &&
    isHlc(editHlc) &&
    compareHlc(editHlc, hlc) > 0 &&
    !textError(editText) &&
    (signed || edit?.s !== undefined
      ? judge(editClaim(shard, id, author, editHlc, editText), edit?.s) === 'genuine'
      : true)
  const message: ChatMessage = {
    id,
    author,
    hlc,
    at: hlcTime(hlc),
    text: deleted ? '' : edited ? editText! : original,
    edited,
    deleted,
    reactions: [],
    shard,
    verified,
  }
  if (!deleted) {
    const entries = reactions ?? (isStored(m.re) ? Object.entries(m.re) : [])
    const read = readReactions(entries, { shard, id, signed }, judge)
    message.reactions = read.reactions
    if (notes) notes.suspect = read.suspect
  }
  if (replyTo !== undefined) message.replyTo = replyTo
  return message
}

/**
 * A message's history (record-origins.ts), or none for now: `now` reads it if it was never read,
 * `soon` allows reading it a moment later, `if-read` answers only from a history read before
 * (or reads it if the message as read now, `current`, lost something shown before).
 */
export type Origins = (
  id: string,
  need: 'now' | 'soon' | 'if-read',
  current?: ChatMessage,
) => MessageHistory | undefined

function isStored(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !('val' in value)
}

function field(map: unknown, key: string): unknown {
  if (typeof map !== 'object' || map === null) return undefined
  return Object.hasOwn(map, key) ? (map as Record<string, unknown>)[key] : undefined
}
