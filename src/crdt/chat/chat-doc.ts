import type { ImmutableString } from '@automerge/automerge-repo'

/** The workplace document kind of the chat's index (the `kinds` entry). */
export const CHAT_DOC_KIND = 'chat'
export const CHAT_DOC_VERSION = 1

/** Messages longer than this (UTF-8 bytes of text) are refused. */
export const MAX_MESSAGE_BYTES = 16 * 1024
export const MAX_EMOJI_LENGTH = 16

const DAY_MS = 24 * 60 * 60 * 1000
const LIMITS = {
  bucketMs: { min: 60_000, max: 90 * DAY_MS, fallback: 7 * DAY_MS },
  shardLimit: { min: 2, max: 10_000, fallback: 500 },
} as const

/**
 * The chat's index: which shard documents exist. Shards are keyed `<bucket>.<part>`: the bucket
 * is the message timestamp's week (`bucketMs`), so everything newer than a moment lies in the
 * buckets from that moment on and loading recent history never misses a late writer's message;
 * parts split a busy bucket so that no shard holds much more than `shardLimit` messages.
 *
 * Concurrency: each shard's document ID and first change are derived from the index's ID and
 * the shard key (see shard-doc.ts), so two members who start "the same" shard at once create the
 * same document and their messages merge. The `shards` map only lists keys; concurrent additions
 * of different keys both survive, of the same key agree.
 */
export interface ChatIndexDoc {
  v: number
  bucketMs: number
  shardLimit: number
  shards: Record<string, true>
}

export function initialChatIndex(
  options: { bucketMs?: number; shardLimit?: number } = {},
): ChatIndexDoc {
  return {
    v: CHAT_DOC_VERSION,
    bucketMs: options.bucketMs ?? LIMITS.bucketMs.fallback,
    shardLimit: options.shardLimit ?? LIMITS.shardLimit.fallback,
    shards: {},
  }
}

/**
 * One shard. Field names are short because there are many messages; every string that is not
 * edited character by character is an ImmutableString (much smaller and faster to load than
 * Automerge's collaborative text). Everything read from here is validated (message-view.ts).
 */
export interface ShardDoc {
  v: number
  /** The document ID of the chat index this shard belongs to. */
  chat: ImmutableString
  key: ImmutableString
  messages: Record<string, StoredMessage>
  /** `<reader> <author>` -> the newest timestamp of `author`'s messages the reader's device holds. */
  delivered: Record<string, ImmutableString>
  /** `<reader> <author>` -> the newest timestamp of `author`'s messages the reader has seen. */
  read: Record<string, ImmutableString>
}

/**
 * A message, keyed by its ID in `messages`. Only its author creates it. Maps inside are keyed by
 * the writing peer, so nobody's write can overwrite another's; readers honour only the author's
 * entries in `ed` and `del`, which the author creates when first editing or deleting.
 * Nobody removes a message or its author's `ed`/`del` entries (a deletion empties the text):
 * readers read one someone removed or replaced from the shard's history (message-history.ts).
 *
 * Since records are signed (src/crdt/authorship), every record carries its writer's proof: the
 * message `s`, an edit `ed[author].s`, a deletion `del[author] = { t, s }`, a reaction its state
 * `<timestamp> on|off <proof>`, a receipt mark `<timestamp> <proof>`. Records of older
 * workplaces have none (a deletion is then a bare timestamp, a reaction `true`) and read as
 * unverified. The forms tell the versions apart (the shard's `v` is part of its deterministic
 * first change, so it cannot change): a reaction stored as a bare `<proof>` was signed before
 * take-backs were, and reads as added.
 */
interface StoredMessage {
  /** Author's peer ID. */
  a: ImmutableString
  /** Hybrid logical clock timestamp. */
  t: ImmutableString
  /** Text (emptied when the author deletes the message). */
  x: ImmutableString
  /** Reply-to: the ID of an earlier message. */
  r?: ImmutableString
  /** The author's proof over the message (chat-claims.ts `messageClaim`). */
  s?: ImmutableString
  /** Edits by peer: the latest text, when, and the proof. */
  ed?: Record<string, { x: ImmutableString; t: ImmutableString; s?: ImmutableString }>
  /** Deletions by peer: when, and the proof (a bare timestamp in older workplaces). */
  del?: Record<string, ImmutableString | { t: ImmutableString; s: ImmutableString }>
  /**
   * Reactions: `<peer> <emoji>` -> the member's signed state, `<timestamp> on|off <proof>`
   * (message-reactions.ts). Taking a reaction back writes `off`: nobody removes an entry.
   */
  re: Record<string, ImmutableString | true>
}

export interface ChatSettings {
  bucketMs: number
  shardLimit: number
}

/** The index's settings, clamped to sane values whatever a member wrote. */
export function chatSettings(doc: Partial<ChatIndexDoc> | undefined): ChatSettings {
  const pick = (value: unknown, limit: { min: number; max: number; fallback: number }) =>
    typeof value === 'number' && Number.isInteger(value) && value >= limit.min && value <= limit.max
      ? value
      : limit.fallback
  return {
    bucketMs: pick(doc?.bucketMs, LIMITS.bucketMs),
    shardLimit: pick(doc?.shardLimit, LIMITS.shardLimit),
  }
}

export interface ShardKey {
  key: string
  bucket: number
  part: number
}

const SHARD_KEY = /^(\d{1,12})\.(\d{1,4})$/

function parseShardKey(key: string): ShardKey | undefined {
  const match = SHARD_KEY.exec(key)
  if (!match) return undefined
  return { key, bucket: Number(match[1]), part: Number(match[2]) }
}

export function shardKey(bucket: number, part: number): string {
  return `${bucket}.${part}`
}

/** The shards listed in an index, valid keys only, newest bucket first, then highest part. */
export function listShards(doc: Partial<ChatIndexDoc> | undefined): ShardKey[] {
  const shards = doc?.shards
  if (typeof shards !== 'object' || shards === null) return []
  return Object.keys(shards)
    .map(parseShardKey)
    .filter((k): k is ShardKey => k !== undefined)
    .sort((a, b) => b.bucket - a.bucket || b.part - a.part)
}
