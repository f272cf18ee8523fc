/**
 * `chat.open_50k_node_ms`: cold open of a workplace whose chat holds 50,000 messages, from storage
 * until the latest messages are available (`WorkplaceChat.open()` has resolved and `messages()`
 * ends with the newest one). `chat.open_50k_node_settled_ms`: until the recent history loaded after
 * that is in too (the rest of the newest week, a page of messages, back to the read position).
 *
 * What is measured, in Node: a fresh automerge-repo over an in-memory storage adapter that holds
 * the documents as saved bytes (nothing of them in memory), then `Workplaces.load()` (root
 * document, membership), `WorkplaceChat.open()` (chat index, newest shard) and sorting the
 * loaded messages. Not measured: IndexedDB reads (the browser adds its own I/O time) and
 * rendering. Automerge's wasm is already compiled, as it is in a page that has started. The
 * median of several opens is reported.
 *
 * The history: 4 members, 50,000 messages over 100 days (one about every 3 minutes), every
 * tenth a reply, some reactions, each message its own change, receipts every 25 messages; the
 * member opening has read all but the last 20. Default chat settings (weekly buckets, 500
 * messages per shard), so about 100 shards.
 */
import * as Automerge from '@automerge/automerge'
import type { parseAutomergeUrl } from '@automerge/automerge-repo'
import {
  ImmutableString,
  type AutomergeUrl,
  type Chunk,
  type StorageAdapterInterface,
  type StorageKey,
} from '@automerge/automerge-repo'
import { CHAT_DOC_KIND, initialChatIndex, type ShardDoc } from '../src/crdt/chat/chat-doc.ts'
import { formatHlc } from '../src/crdt/chat/hlc.ts'
import { receiptKey } from '../src/crdt/chat/receipts.ts'
import { initialShardBinary, shardDocumentId } from '../src/crdt/chat/shard-doc.ts'
import { rootDocsRegistrar } from '../src/crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../src/crdt/chat/workplace-chat.ts'
import { createMemoryRecordStore } from '../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack } from '../src/crdt/workplace-stack.ts'
import type { PeerId } from '../src/peer/ids.ts'
import { FakeMeshHub } from '../tests/support/fake-mesh-port.ts'
import { createTestIdentity } from '../tests/support/test-identity.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const MESSAGES = 50_000
const SPAN_MS = 100 * 24 * 3600_000
const RUNS = 5
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
const WORDS = 'the plan for today is to ship the draft review notes and then meet about it'.split(
  ' ',
)

/** Saved bytes only, copied in and out, as a database would hold them. */
class MemoryStorage implements StorageAdapterInterface {
  readonly #data = new Map<string, Uint8Array>()
  async load(key: StorageKey) {
    return this.#data.get(key.join('/'))?.slice()
  }
  async save(key: StorageKey, data: Uint8Array) {
    this.#data.set(key.join('/'), data.slice())
  }
  async remove(key: StorageKey) {
    this.#data.delete(key.join('/'))
  }
  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const start = prefix.join('/')
    return [...this.#data]
      .filter(([k]) => k === start || k.startsWith(`${start}/`))
      .map(([k, data]) => ({ key: k.split('/'), data: data.slice() }))
  }
  async removeRange(prefix: StorageKey) {
    for (const { key } of await this.loadRange(prefix)) this.#data.delete(key.join('/'))
  }
  get bytes(): number {
    return [...this.#data.values()].reduce((n, d) => n + d.length, 0)
  }
}

function text(i: number): string {
  const n = 3 + (i % 23)
  return Array.from({ length: n }, (_, k) => WORDS[(i + k * 7) % WORDS.length]).join(' ')
}

/** The 50,000 messages, grouped into shards as the chat would place them. */
function plan(start: number) {
  const { bucketMs, shardLimit } = initialChatIndex()
  const shards = new Map<string, { i: number; at: number }[]>()
  let bucket = -1
  let inBucket = 0
  for (let i = 0; i < MESSAGES; i++) {
    const at = start + Math.floor((i * SPAN_MS) / MESSAGES)
    const b = Math.floor(at / bucketMs)
    if (b !== bucket) [bucket, inBucket] = [b, 0]
    const key = `${b}.${Math.floor(inBucket++ / shardLimit)}`
    let list = shards.get(key)
    if (!list) shards.set(key, (list = []))
    list.push({ i, at })
  }
  return shards
}

function buildShard(
  chat: ReturnType<typeof parseAutomergeUrl>['documentId'],
  key: string,
  messages: { i: number; at: number }[],
  peers: PeerId[],
  self: PeerId,
): { binary: Uint8Array; lastId: string } {
  let doc = Automerge.load<ShardDoc>(initialShardBinary(chat, key))
  const id = (i: number) =>
    [...i.toString(32).padStart(16, '0')].map((c) => BASE32[parseInt(c, 32)]).join('')
  const author = (i: number) => peers[i % peers.length]!
  for (const { i, at } of messages) {
    doc = Automerge.change(doc, (d) => {
      d.messages[id(i)] = {
        a: new ImmutableString(author(i)),
        t: new ImmutableString(formatHlc(at, 0)),
        x: new ImmutableString(text(i)),
        ...(i % 10 === 9 && d.messages[id(i - 1)] ? { r: new ImmutableString(id(i - 1)) } : {}),
        re: i % 17 === 0 ? { [`${author(i + 1)} 👍`]: true } : {},
      }
    })
    const unreadTail = i >= MESSAGES - 20
    if (i % 25 === 24 || i === MESSAGES - 1) {
      doc = Automerge.change(doc, (d) => {
        for (const reader of peers) {
          if (reader === self && unreadTail) continue
          for (const a of peers) {
            if (a === reader) continue
            const mark = new ImmutableString(formatHlc(at, 0))
            d.delivered[receiptKey(reader, a)] = mark
            d.read[receiptKey(reader, a)] = mark
          }
        }
      })
    }
  }
  return { binary: Automerge.save(doc), lastId: id(messages.at(-1)!.i) }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const identities = await Promise.all([0, 1, 2, 3].map(() => createTestIdentity()))
  const self = identities[0]!
  const peers = identities.map((i) => i.peerId)
  const storage = new MemoryStorage()
  const list = createMemoryWorkplaceList()
  const records = createMemoryRecordStore()
  const kinds = new Map([[CHAT_DOC_KIND, () => initialChatIndex()]])
  const hub = new FakeMeshHub()
  const stackOver = () =>
    createWorkplaceStack({
      identity: self,
      mesh: hub.add(self.peerId),
      storage,
      list,
      records,
      displayName: () => 'Bench',
      kinds,
    })

  const started = performance.now()
  const setup = stackOver()
  const wp = await setup.workplaces.create('Bench')
  const index = await wp.openDoc<{ shards: Record<string, true> }>(CHAT_DOC_KIND)
  const register = rootDocsRegistrar(wp.handle)
  const chatId = index.documentId
  let newest = ''
  // History ends three days into a week, so the newest shard is full (500 messages): the worst
  // case for the first shard to load.
  const { bucketMs } = initialChatIndex()
  const end = Math.floor(Date.now() / bucketMs) * bucketMs - bucketMs + 3 * 24 * 3600_000
  for (const [key, messages] of plan(end - SPAN_MS)) {
    const { binary, lastId } = buildShard(chatId, key, messages, peers, self.peerId)
    const documentId = shardDocumentId(chatId, key)
    setup.repo.import(binary, { docId: documentId })
    register({ key, documentId, url: `automerge:${documentId}` as AutomergeUrl })
    index.change((d) => {
      d.shards[key] = true
    })
    newest = lastId
  }
  const shardCount = Object.keys(index.doc().shards).length
  await setup.repo.flush()
  await setup.shutdown()
  ctx.log(
    `built ${MESSAGES} messages in ${shardCount} shards (${(storage.bytes / 1e6).toFixed(1)} MB ` +
      `stored) in ${Math.round(performance.now() - started)} ms`,
  )

  const times: number[] = []
  const settledTimes: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now()
    const stack = stackOver()
    await stack.workplaces.load()
    const rootMs = performance.now() - t0
    const opened = stack.workplaces.get(wp.id)!
    const chat = await WorkplaceChat.open({
      workplace: opened,
      repo: stack.repo,
      register: rootDocsRegistrar(opened.handle),
    })
    const latest = chat.messages().at(-1)
    const elapsed = performance.now() - t0
    if (latest?.id !== newest) throw new Error(`open showed ${latest?.id}, not ${newest}`)
    ctx.log(
      `open ${run + 1}: ${elapsed.toFixed(1)} ms (workplace ${rootMs.toFixed(1)} ms), ` +
        `${chat.loadedShards().length} shards and ` +
        `${chat.messages().length} messages loaded, ${chat.unreadCount()} unread`,
    )
    times.push(elapsed)
    await chat.settled()
    settledTimes.push(performance.now() - t0)
    await chat.close()
    await stack.shutdown()
  }
  ctx.log(
    `recent history settled (the page and back to the read position) after ${settledTimes
      .map((t) => t.toFixed(0))
      .join(', ')} ms`,
  )
  return [
    { name: 'chat.open_50k_node_ms', value: Math.round(median(times)), unit: 'ms', runs: RUNS },
    {
      name: 'chat.open_50k_node_settled_ms',
      value: Math.round(median(settledTimes)),
      unit: 'ms',
      runs: RUNS,
    },
  ]
}
