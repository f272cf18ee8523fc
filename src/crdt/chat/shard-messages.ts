import type { Judge } from '../authorship/authorship.ts'
import type { ShardDoc } from './chat-doc.ts'
import { PENDING, readMessage, type ChatMessage, type Origins } from './message-view.ts'

/**
 * What `readShardMessages` made of each stored message object. Automerge keeps the objects of
 * unchanged messages from one version of a document to the next, so a message read before is
 * not validated (nor its signatures looked up) again and keeps its identity (the UI re-renders
 * only what changed). Entries hold for one authorship generation, and one made before the
 * shard's history was read (`history`) only until it is.
 */
export type ReadCache = WeakMap<
  object,
  { id: string; generation: number; history: boolean; result: ChatMessage | string }
>

function sameMessage(a: ChatMessage | string, b: ChatMessage | string): boolean {
  return a === b || (typeof a !== 'string' && JSON.stringify(a) === JSON.stringify(b))
}

export interface ShardMessages {
  messages: ChatMessage[]
  /** Whether some message or part of one waits for a signature check. */
  pending: boolean
  /** The IDs of those messages. */
  waiting: Set<string>
}

/** What `readShardMessages` reads with, beside the document. */
export interface ShardReading {
  shard: string
  /** Invalid messages reported so far (`<id> <reason>`): each is reported once. */
  reported: Set<string>
  onInvalid: (id: string, reason: string) => void
  judge: Judge
  cache?: { map: ReadCache; generation: number; history: boolean }
  origins?: Origins
  /** What was shown for a message before: shown on while a change to it is being checked. */
  previous?: (id: string) => ChatMessage | undefined
  /** IDs read before: one no longer in the map is read from its history. */
  known?: ReadonlySet<string>
}

/**
 * Reads messages one at a time, from a stored message object (or undefined for one gone from
 * the map): what to show for it (undefined for nothing), and whether something in it waits for
 * a signature check.
 */
function shardReader(
  reading: ShardReading,
): (id: string, raw: unknown) => { shown: ChatMessage | undefined; waiting: boolean } {
  const { shard, reported, onInvalid, judge, cache, origins, previous } = reading
  let waiting = false
  const tracking: Judge = (claim, proof, required) => {
    const verdict = judge(claim, proof, required)
    if (verdict === 'pending') waiting = true
    return verdict
  }
  return (id, raw) => {
    const cacheable = cache !== undefined && typeof raw === 'object' && raw !== null
    const cached = cacheable ? cache.map.get(raw) : undefined
    let result: ChatMessage | string
    const fresh = cached?.generation === cache?.generation && cached?.history === cache?.history
    waiting = false
    if (cached?.id === id && fresh) {
      result = cached.result
    } else {
      result = readMessage(id, raw, shard, tracking, origins)
      // Read again as it was (judged again, or now with its history): the same message object.
      if (cached?.id === id && sameMessage(cached.result, result)) result = cached.result
      if (!waiting && cacheable) {
        cache.map.set(raw, { id, generation: cache.generation, history: cache.history, result })
      }
    }
    if (typeof result !== 'string') return { shown: result, waiting }
    if (result === PENDING) {
      // Changed and being checked (say, just deleted): shown as it was until the check is done,
      // rather than gone for a moment.
      return { shown: previous?.(id), waiting: true }
    }
    if (!reported.has(`${id} ${result}`)) {
      reported.add(`${id} ${result}`)
      onInvalid(id, result)
    }
    return { shown: undefined, waiting }
  }
}

function storedMessages(doc: ShardDoc | undefined): Record<string, unknown> {
  const stored: unknown = doc?.messages
  return typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {}
}

/**
 * Every valid message of a shard. Invalid ones are left out; `onInvalid` hears why, once per
 * message ID and reason for as long as the caller keeps the same `reported` set. Messages in
 * `known` (read before) that are no longer in the shard's map are read from their history: a
 * message is never removed by its author (a deletion empties it), so only someone else can have.
 */
export function readShardMessages(doc: ShardDoc | undefined, reading: ShardReading): ShardMessages {
  const messages = storedMessages(doc)
  const { origins, known } = reading
  const read = shardReader(reading)
  const out: ChatMessage[] = []
  const waiting = new Set<string>()
  let present = 0
  const take = (id: string, raw: unknown) => {
    const { shown, waiting: waits } = read(id, raw)
    if (shown) out.push(shown)
    if (waits) waiting.add(id)
  }
  // Every change of a busy shard reads it again: no array of entries is made for each read.
  for (const id in messages) {
    if (!Object.hasOwn(messages, id)) continue
    if (known?.has(id)) present++
    take(id, messages[id])
  }
  if (origins && known && present < known.size) {
    for (const id of known) if (!Object.hasOwn(messages, id)) take(id, undefined)
  }
  return { messages: out, pending: waiting.size > 0, waiting }
}

/**
 * Reads only the messages `ids` names (those a change touched, or that waited for a check), as
 * `readShardMessages` would: for each, what to show (undefined: nothing, say it was removed and
 * its history has nothing either), and which of them wait for a signature check.
 */
export function readSomeShardMessages(
  doc: ShardDoc | undefined,
  ids: Iterable<string>,
  reading: ShardReading,
): { shown: Map<string, ChatMessage | undefined>; waiting: Set<string> } {
  const messages = storedMessages(doc)
  const read = shardReader(reading)
  const shown = new Map<string, ChatMessage | undefined>()
  const waiting = new Set<string>()
  for (const id of ids) {
    let result: ReturnType<typeof read>
    if (Object.hasOwn(messages, id)) result = read(id, messages[id])
    // Gone from the map: only its history can tell what it was, if it was ever read.
    else if (reading.origins && reading.known?.has(id)) result = read(id, undefined)
    else result = { shown: undefined, waiting: false }
    shown.set(id, result.shown)
    if (result.waiting) waiting.add(id)
  }
  return { shown, waiting }
}
