/**
 * A long chat history, built as the members' devices would have written it: shard documents
 * (src/crdt/chat) with one Automerge change per message made under its author's actor, the
 * authors' documents merged whenever another member writes (so the changes form one causal
 * history), and delivery/read receipts raised by each reader's own actor every 25 messages.
 * Every message, reaction and receipt is signed by its writer's device key, as the chat signs
 * them. Runs in a page or in Node.
 */
import * as Automerge from '@automerge/automerge'
import { ImmutableString, type DocumentId } from '@automerge/automerge-repo'
import { messageClaim, reactionClaim, receiptClaim } from '../src/crdt/chat/chat-claims.ts'
import { initialChatIndex, shardKey, type ShardDoc } from '../src/crdt/chat/chat-doc.ts'
import { formatHlc } from '../src/crdt/chat/hlc.ts'
import { receiptKey } from '../src/crdt/chat/receipts.ts'
import { initialShardBinary } from '../src/crdt/chat/shard-doc.ts'
import type { Identity } from '../src/peer/identity/identity.ts'
import { signClaim, type Claim } from '../src/peer/identity/record-proof.ts'

export interface HistoryOptions {
  /** The workplace's ID and membership clock, which every signature binds. */
  workplace: string
  membershipClock: number
  /** The chat index's document ID (shards derive from it). */
  chat: DocumentId
  /** Members who write, with their device keys; the first is the device that will open it. */
  members: readonly Identity[]
  messages: number
  /** Wall-clock time of the newest message. */
  end: number
  spanMs: number
  /** The reader (first member) has read all but this many of the newest messages. */
  unread: number
  /**
   * Members write in turns of this many messages instead, each turn one change followed by
   * every member's receipts, built on Automerge's core without materialising documents: the
   * same shards' shape, some 30 times faster to build (a test's history).
   */
  turn?: number | undefined
}

export interface HistoryShard {
  key: string
  binary: Uint8Array
  messages: number
}

export interface HistoryPlan {
  shards: AsyncGenerator<HistoryShard>
  newestId: string
  newestText: string
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
const WORDS =
  'so the plan for today is to ship the draft then review notes and meet after lunch'.split(' ')
const RECEIPT_EVERY = 25

/** A message ID as the chat makes them (16 base32 characters), from its number. */
export function messageId(i: number): string {
  let id = ''
  for (let n = i, k = 0; k < 16; k++, n = Math.floor(n / 32)) id = BASE32[n % 32]! + id
  return id
}

export function messageText(i: number): string {
  const words = 3 + (i % 19)
  return Array.from({ length: words }, (_, k) => WORDS[(i * 3 + k * 5) % WORDS.length]).join(' ')
}

/** Who writes message `i`: members take turns of 1-4 messages, as in a conversation. */
function authorOf(i: number, members: number): number {
  const turn = Math.floor(i / 3)
  return (turn * 7 + (turn % 3)) % members
}

/** An actor ID (hex) per member and shard, fixed so that builds are repeatable. */
function actorOf(member: number, key: string): string {
  let hex = ''
  for (const c of `${member}:${key}`) hex += c.charCodeAt(0).toString(16).padStart(2, '0')
  return hex.padEnd(32, '0').slice(0, 32)
}

/** Message times and shard keys, as the chat places messages (bucket, then parts of a limit). */
function layout(options: HistoryOptions): { at: number; key: string }[] {
  const { bucketMs, shardLimit } = initialChatIndex()
  const start = options.end - options.spanMs
  const out: { at: number; key: string }[] = []
  let bucket = -1
  let inBucket = 0
  for (let i = 0; i < options.messages; i++) {
    const at = start + Math.round((i * options.spanMs) / Math.max(1, options.messages - 1))
    const b = Math.floor(at / bucketMs)
    if (b !== bucket) [bucket, inBucket] = [b, 0]
    out.push({ at, key: shardKey(b, Math.floor(inBucket++ / shardLimit)) })
  }
  return out
}

/** Builds the shards one at a time (oldest first), so that a caller can store each and drop it. */
export function planHistory(options: HistoryOptions): HistoryPlan {
  const placed = layout(options)
  const last = options.messages - 1
  async function* shards(): AsyncGenerator<HistoryShard> {
    for (let i = 0; i < placed.length;) {
      const key = placed[i]!.key
      let end = i
      while (end < placed.length && placed[end]!.key === key) end++
      yield options.turn === undefined
        ? await buildShard(options, key, placed, i, end)
        : await buildShardInTurns(options, options.turn, key, placed, i, end)
      i = end
    }
  }
  return { shards: shards(), newestId: messageId(last), newestText: messageText(last) }
}

async function buildShard(
  options: HistoryOptions,
  key: string,
  placed: readonly { at: number }[],
  from: number,
  to: number,
): Promise<HistoryShard> {
  const { members } = options
  const sign = (who: Identity, claim: Claim) =>
    signClaim(who, options.workplace, claim, options.membershipClock)
  const seed = Automerge.load<ShardDoc>(initialShardBinary(options.chat, key))
  const docs = members.map((_, m) => Automerge.clone(seed, { actor: actorOf(m, key) }))
  let current = 0
  const as = (member: number) => {
    if (member !== current) docs[member] = Automerge.merge(docs[member]!, docs[current]!)
    current = member
    return member
  }
  const s = (v: string) => new ImmutableString(v)
  for (let i = from; i < to; i++) {
    const author = authorOf(i, members.length)
    const writer = members[author]!
    const t = formatHlc(placed[i]!.at, 0)
    const id = messageId(i)
    const replyTo = i % 10 === 9 && i > from ? messageId(i - 1) : undefined
    const proof = await sign(
      writer,
      messageClaim(key, id, writer.peerId, t, messageText(i), replyTo),
    )
    const reactor = members[(author + 1) % members.length]!
    const reaction =
      i % 17 === 0 ? await sign(reactor, reactionClaim(key, id, reactor.peerId, '👍')) : undefined
    as(author)
    docs[author] = Automerge.change(docs[author]!, (d) => {
      d.messages[id] = {
        a: s(writer.peerId),
        t: s(t),
        x: s(messageText(i)),
        s: s(proof),
        ...(replyTo ? { r: s(replyTo) } : {}),
        re: reaction ? { [`${reactor.peerId} 👍`]: s(reaction) } : {},
      }
    })
    if ((i - from) % RECEIPT_EVERY !== RECEIPT_EVERY - 1 && i !== to - 1) continue
    for (let reader = 0; reader < members.length; reader++) {
      const read = reader !== 0 || i <= options.messages - 1 - options.unread
      const by = members[reader]!
      const marks: [kind: 'delivered' | 'read', key: string, value: string][] = []
      for (let a = 0; a < members.length; a++) {
        if (a === reader) continue
        const k = receiptKey(by.peerId, members[a]!.peerId)
        for (const kind of read ? (['delivered', 'read'] as const) : (['delivered'] as const)) {
          const mark = await sign(by, receiptClaim(key, kind, by.peerId, members[a]!.peerId, t))
          marks.push([kind, k, `${t} ${mark}`])
        }
      }
      as(reader)
      docs[reader] = Automerge.change(docs[reader]!, (d) => {
        for (const [kind, k, value] of marks) d[kind][k] = s(value)
      })
    }
  }
  return { key, binary: Automerge.save(docs[current]!), messages: to - from }
}

/** `buildShard` for `options.turn`: turns of `turn` messages, on the documents' core. */
async function buildShardInTurns(
  options: HistoryOptions,
  turn: number,
  key: string,
  placed: readonly { at: number }[],
  from: number,
  to: number,
): Promise<HistoryShard> {
  const { members } = options
  const sign = (who: Identity, claim: Claim) =>
    signClaim(who, options.workplace, claim, options.membershipClock)
  const seed = Automerge.getBackend(Automerge.load(initialShardBinary(options.chat, key)))
  const docs = members.map((_, m) => seed.fork(actorOf(m, key)))
  const map = (name: string) => {
    const found = seed.getWithType('_root', name)
    if (found?.[0] !== 'map') throw new Error(`a shard has no ${name} map`)
    return found[1] as string
  }
  const [messages, delivered, read] = [map('messages'), map('delivered'), map('read')]
  let current = 0
  const as = (member: number) => {
    if (member !== current) docs[member]!.merge(docs[current]!)
    current = member
    return docs[member]!
  }
  for (let start = from; start < to; start += turn) {
    const end = Math.min(to, start + turn)
    const author = Math.floor(start / turn) % members.length
    const writer = members[author]!
    const reactor = members[(author + 1) % members.length]!
    const written = []
    for (let i = start; i < end; i++) {
      const t = formatHlc(placed[i]!.at, 0)
      const id = messageId(i)
      const replyTo = i % 10 === 9 && i > from ? messageId(i - 1) : undefined
      const claim = messageClaim(key, id, writer.peerId, t, messageText(i), replyTo)
      const reaction =
        i % 17 === 0 ? sign(reactor, reactionClaim(key, id, reactor.peerId, '👍')) : undefined
      written.push({
        i,
        t,
        id,
        replyTo,
        proof: await sign(writer, claim),
        reaction: await reaction,
      })
    }
    const doc = as(author)
    for (const { i, t, id, replyTo, proof, reaction } of written) {
      const m = doc.putObject(messages, id, {})
      doc.put(m, 'a', writer.peerId, 'str')
      doc.put(m, 't', t, 'str')
      doc.put(m, 'x', messageText(i), 'str')
      doc.put(m, 's', proof, 'str')
      if (replyTo) doc.put(m, 'r', replyTo, 'str')
      const re = doc.putObject(m, 're', {})
      if (reaction) doc.put(re, `${reactor.peerId} 👍`, reaction, 'str')
    }
    doc.commit(null, Math.floor(placed[end - 1]!.at / 1000))
    const t = formatHlc(placed[end - 1]!.at, 0)
    for (let reader = 0; reader < members.length; reader++) {
      const by = members[reader]!
      const kinds =
        reader !== 0 || end - 1 <= options.messages - 1 - options.unread
          ? (['delivered', 'read'] as const)
          : (['delivered'] as const)
      const marks: [map: string, key: string, value: string][] = []
      for (let a = 0; a < members.length; a++) {
        if (a === reader) continue
        const k = receiptKey(by.peerId, members[a]!.peerId)
        for (const kind of kinds) {
          const mark = await sign(by, receiptClaim(key, kind, by.peerId, members[a]!.peerId, t))
          marks.push([kind === 'read' ? read : delivered, k, `${t} ${mark}`])
        }
      }
      const doc = as(reader)
      for (const [obj, k, value] of marks) doc.put(obj, k, value, 'str')
      doc.commit(null, Math.floor(placed[end - 1]!.at / 1000))
    }
  }
  return { key, binary: docs[current]!.save(), messages: to - from }
}
