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
}

/**
 * Every valid message of a shard. Invalid ones are left out; `onInvalid` hears why, once per
 * message ID and reason for as long as the caller keeps the same `reported` set. Messages in
 * `known` (read before) that are no longer in the shard's map are read from their history: a
 * message is never removed by its author (a deletion empties it), so only someone else can have.
 */
export function readShardMessages(
  doc: ShardDoc | undefined,
  shard: string,
  reported: Set<string>,
  onInvalid: (id: string, reason: string) => void,
  judge: Judge,
  cache?: { map: ReadCache; generation: number; history: boolean },
  origins?: Origins,
  previous?: (id: string) => ChatMessage | undefined,
  known?: ReadonlySet<string>,
): ShardMessages {
  const stored = doc?.messages
  const messages = typeof stored === 'object' && stored !== null ? stored : {}
  const out: ChatMessage[] = []
  let pending = false
  let waiting: boolean
  let present = 0
  const tracking: Judge = (claim, proof, required) => {
    const verdict = judge(claim, proof, required)
    if (verdict === 'pending') waiting = true
    return verdict
  }
  const read = (id: string, raw: unknown) => {
    const cacheable = cache !== undefined && typeof raw === 'object' && raw !== null
    const cached = cacheable ? cache.map.get(raw) : undefined
    let result: ChatMessage | string
    const fresh = cached?.generation === cache?.generation && cached?.history === cache?.history
    if (cached?.id === id && fresh) {
      result = cached.result
    } else {
      waiting = false
      result = readMessage(id, raw, shard, tracking, origins)
      // Read again as it was (judged again, or now with its history): the same message object.
      if (cached?.id === id && sameMessage(cached.result, result)) result = cached.result
      if (waiting) pending = true
      else if (cacheable) {
        cache.map.set(raw, { id, generation: cache.generation, history: cache.history, result })
      }
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
  // Every change of a busy shard reads it again: no array of entries is made for each read.
  for (const id in messages) {
    if (!Object.hasOwn(messages, id)) continue
    if (known?.has(id)) present++
    read(id, (messages as Record<string, unknown>)[id])
  }
  if (origins && known && present < known.size) {
    for (const id of known) if (!Object.hasOwn(messages, id)) read(id, undefined)
  }
  return { messages: out, pending }
}
