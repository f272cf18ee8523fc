import { isPeerId, type PeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import { deleteClaim, editClaim, messageClaim, reactionClaim } from './chat-claims.ts'
import { MAX_EMOJI_LENGTH, MAX_MESSAGE_BYTES, type ShardDoc } from './chat-doc.ts'
import { compareHlc, hlcTime, isHlc, type Hlc } from './hlc.ts'
import type { OriginalFields } from '../authorship/record-origins.ts'

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
const PENDING = 'pending'

interface Reaction {
  emoji: string
  peers: PeerId[]
}

const MESSAGE_ID = /^[a-z2-7]{16,32}$/

function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value)
}

/** A string stored either as Automerge text or as an ImmutableString. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && 'val' in value) {
    const val = (value as { val: unknown }).val
    if (typeof val === 'string') return val
  }
  return undefined
}

const encoder = new TextEncoder()

/** Why a text may not be sent or shown, or null. */
export function textError(text: string): string | null {
  if (text.length * 3 > MAX_MESSAGE_BYTES && encoder.encode(text).length > MAX_MESSAGE_BYTES) {
    return `A message can be at most ${MAX_MESSAGE_BYTES / 1024} KiB of text.`
  }
  return null
}

export function isEmoji(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters and spaces are what we refuse
  return value.length > 0 && value.length <= MAX_EMOJI_LENGTH && !/[\s\u0000-\u001f]/.test(value)
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
  if (typeof raw !== 'object' || raw === null) return 'not an object'
  const stored = raw as Record<string, unknown>
  const read = readStored(id, stored, shard, judge)
  if (!origins || read === PENDING || (typeof read !== 'string' && read.verified)) return read
  // Not genuine, malformed or unsigned as stored: someone may have overwritten what its author
  // signed. An unsigned record may be an older workplace's, with nothing signed in its history:
  // those are not worth reading the history for while a chat opens (`eager` false).
  for (const origin of [...origins(id, typeof read === 'string')].reverse()) {
    if (origin.s === undefined) continue
    const { a, t, x, r, s } = origin
    const again = readStored(id, { ...stored, a, t, x, r, s }, shard, judge)
    if (again === PENDING) return PENDING
    if (typeof again !== 'string' && again.verified) return again
  }
  return read
}

/** `readMessage` of the record as given (stored, or as its creating change wrote it). */
function readStored(
  id: string,
  m: Record<string, unknown>,
  shard: string,
  judge: Judge,
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
    reactions: deleted
      ? []
      : readReactions(m.re, (peer, emoji, value) =>
          value === true
            ? !signed
            : judge(reactionClaim(shard, id, peer, emoji), value) === 'genuine',
        ),
    shard,
    verified,
  }
  if (replyTo !== undefined) message.replyTo = replyTo
  return message
}

/**
 * Where a shard's messages came from (record-origins.ts); `eager` false allows an answer of
 * none for now, with the history read later.
 */
export type Origins = (id: string, eager: boolean) => readonly OriginalFields[]

function field(map: unknown, key: string): unknown {
  if (typeof map !== 'object' || map === null) return undefined
  return Object.hasOwn(map, key) ? (map as Record<string, unknown>)[key] : undefined
}

function readReactions(
  raw: unknown,
  counts: (peer: PeerId, emoji: string, value: unknown) => boolean,
): Reaction[] {
  if (typeof raw !== 'object' || raw === null) return []
  const byEmoji = new Map<string, PeerId[]>()
  for (const [key, value] of Object.entries(raw)) {
    const space = key.indexOf(' ')
    const peer = key.slice(0, space)
    const emoji = key.slice(space + 1)
    if (space < 0 || !isPeerId(peer) || !isEmoji(emoji) || !counts(peer, emoji, value)) continue
    let peers = byEmoji.get(emoji)
    if (!peers) byEmoji.set(emoji, (peers = []))
    peers.push(peer)
  }
  return [...byEmoji]
    .map(([emoji, peers]) => ({ emoji, peers: peers.sort() }))
    .sort((a, b) => b.peers.length - a.peers.length || (a.emoji < b.emoji ? -1 : 1))
}

/**
 * What `readShardMessages` made of each stored message object. Automerge keeps the objects of
 * unchanged messages from one version of a document to the next, so a message read before is
 * not validated (nor its signatures looked up) again and keeps its identity (the UI re-renders
 * only what changed). Entries hold for one authorship generation.
 */
export type ReadCache = WeakMap<
  object,
  { id: string; generation: number; result: ChatMessage | string }
>

export interface ShardMessages {
  messages: ChatMessage[]
  /** Whether some message or part of one waits for a signature check. */
  pending: boolean
}

/**
 * Every valid message of a shard. Invalid ones are left out; `onInvalid` hears why, once per
 * message ID and reason for as long as the caller keeps the same `reported` set.
 */
export function readShardMessages(
  doc: ShardDoc | undefined,
  shard: string,
  reported: Set<string>,
  onInvalid: (id: string, reason: string) => void,
  judge: Judge,
  cache?: { map: ReadCache; generation: number },
  origins?: Origins,
  previous?: (id: string) => ChatMessage | undefined,
): ShardMessages {
  const messages = doc?.messages
  if (typeof messages !== 'object' || messages === null) return { messages: [], pending: false }
  const out: ChatMessage[] = []
  let pending = false
  let waiting: boolean
  const tracking: Judge = (claim, proof, required) => {
    const verdict = judge(claim, proof, required)
    if (verdict === 'pending') waiting = true
    return verdict
  }
  for (const [id, raw] of Object.entries(messages)) {
    const cacheable = cache !== undefined && typeof raw === 'object' && raw !== null
    const cached = cacheable ? cache.map.get(raw) : undefined
    let result: ChatMessage | string
    if (cached?.id === id && cached.generation === cache!.generation) {
      result = cached.result
    } else {
      waiting = false
      result = readMessage(id, raw, shard, tracking, origins)
      if (waiting) pending = true
      else if (cacheable) cache.map.set(raw, { id, generation: cache.generation, result })
    }
    if (typeof result !== 'string') {
      out.push(result)
    } else if (result === PENDING) {
      // Changed and being checked (say, just deleted): shown as it was until the check is done,
      // rather than gone for a moment.
      const before = previous?.(id)
      if (before) out.push(before)
    } else if (!reported.has(`${id} ${result}`)) {
      reported.add(`${id} ${result}`)
      onInvalid(id, result)
    }
  }
  return { messages: out, pending }
}
