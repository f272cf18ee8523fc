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
 * messages per shard), so about 100 shards. Every message, reaction and receipt is signed by
 * its writer, as the chat writes them, so opening checks the signatures of what it shows.
 *
 * `chat.verify_per_msg_us`: the median cost of checking one message's signature when a shard
 * is read (WebCrypto Ed25519, as in browsers that have it), from a batch of messages read cold
 * by a fresh reader. `chat.verify_per_msg_noble_us`: the same signature checks with the
 * @noble/curves fallback (browsers without Ed25519 in WebCrypto).
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
import { ed25519 } from '@noble/curves/ed25519.js'
import { Authorship } from '../src/crdt/authorship/authorship.ts'
import { KeyDirectory } from '../src/crdt/authorship/key-directory.ts'
import { claimText, parseProof, signClaim, type Claim } from '../src/peer/identity/record-proof.ts'
import type { MembershipState } from '../src/crdt/membership/evaluate.ts'
import { messageClaim, reactionClaim, receiptClaim } from '../src/crdt/chat/chat-claims.ts'
import { CHAT_DOC_KIND, initialChatIndex, type ShardDoc } from '../src/crdt/chat/chat-doc.ts'
import { formatHlc } from '../src/crdt/chat/hlc.ts'
import { receiptKey } from '../src/crdt/chat/receipts.ts'
import { initialShardBinary, shardDocumentId } from '../src/crdt/chat/shard-doc.ts'
import { rootDocsRegistrar } from '../src/crdt/chat/shard-registrar.ts'
import { WorkplaceChat } from '../src/crdt/chat/workplace-chat.ts'
import { createMemoryRecordStore } from '../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack } from '../src/crdt/workplace-stack.ts'
import type { Identity } from '../src/peer/identity/identity.ts'
import type { PeerId } from '../src/peer/ids.ts'
import { toBase64Url } from '../src/lib/base64.ts'
import { MemoryMeshHub } from '../tests/support/memory-mesh.ts'
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

const messageId = (i: number) =>
  [...i.toString(32).padStart(16, '0')].map((c) => BASE32[parseInt(c, 32)]).join('')

/** Signs as the members' devices do; `clock` is the membership clock they write under. */
type Signer = (who: Identity, claim: Claim) => Promise<string>

async function buildShard(
  chat: ReturnType<typeof parseAutomergeUrl>['documentId'],
  key: string,
  messages: { i: number; at: number }[],
  members: Identity[],
  self: PeerId,
  sign: Signer,
): Promise<{ binary: Uint8Array; lastId: string }> {
  let doc = Automerge.load<ShardDoc>(initialShardBinary(chat, key))
  const id = messageId
  const author = (i: number) => members[i % members.length]!
  for (const { i, at } of messages) {
    const hlc = formatHlc(at, 0)
    const replyTo = i % 10 === 9 && doc.messages[id(i - 1)] ? id(i - 1) : undefined
    const writer = author(i)
    const proof = await sign(writer, messageClaim(key, id(i), writer.peerId, hlc, text(i), replyTo))
    const reactor = author(i + 1)
    const reaction =
      i % 17 === 0
        ? await sign(reactor, reactionClaim(key, id(i), reactor.peerId, '👍'))
        : undefined
    doc = Automerge.change(doc, (d) => {
      d.messages[id(i)] = {
        a: new ImmutableString(writer.peerId),
        t: new ImmutableString(hlc),
        x: new ImmutableString(text(i)),
        s: new ImmutableString(proof),
        ...(replyTo ? { r: new ImmutableString(replyTo) } : {}),
        re: reaction ? { [`${reactor.peerId} 👍`]: new ImmutableString(reaction) } : {},
      }
    })
    const unreadTail = i >= MESSAGES - 20
    if (i % 25 === 24 || i === MESSAGES - 1) {
      const marks: [string, string][] = []
      for (const reader of members) {
        if (reader.peerId === self && unreadTail) continue
        for (const a of members) {
          if (a === reader) continue
          for (const kind of ['delivered', 'read'] as const) {
            const claim = receiptClaim(key, kind, reader.peerId, a.peerId, hlc)
            marks.push([
              `${kind} ${receiptKey(reader.peerId, a.peerId)}`,
              await sign(reader, claim),
            ])
          }
        }
      }
      doc = Automerge.change(doc, (d) => {
        for (const [where, proof] of marks) {
          const [kind, ...rest] = where.split(' ') as ['delivered' | 'read', ...string[]]
          d[kind][rest.join(' ')] = new ImmutableString(`${hlc} ${proof}`)
        }
      })
    }
  }
  return { binary: Automerge.save(doc), lastId: id(messages.at(-1)!.i) }
}

/**
 * The median cost of checking one message's signature, in microseconds: a fresh reader (empty
 * cache) judges a batch of signed messages and waits for the checks.
 */
async function verifyCost(
  ctx: BenchContext,
  workplace: string,
  members: Identity[],
  membership: () => MembershipState,
): Promise<Metric[]> {
  const BATCH = 2000
  const clock = membership().clock
  const claims: { claim: Claim; proof: string }[] = []
  for (let i = 0; i < BATCH; i++) {
    const writer = members[i % members.length]!
    const claim = messageClaim(
      '1.0',
      messageId(i),
      writer.peerId,
      formatHlc(i, 0),
      text(i),
      undefined,
    )
    claims.push({ claim, proof: await signClaim(writer, workplace, claim, clock) })
  }
  const keys = new KeyDirectory()
  await keys.learn(members.map((m) => [m.peerId, toBase64Url(m.publicKey)] as const))
  const webCrypto: number[] = []
  const noble: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const reader = new Authorship({
      workplace,
      identity: members[0]!,
      membership,
      keys,
    })
    const t0 = performance.now()
    for (const { claim, proof } of claims) reader.check(claim, proof)
    await reader.settled()
    const genuine = claims.filter(({ claim, proof }) => reader.check(claim, proof) === 'genuine')
    webCrypto.push(((performance.now() - t0) * 1000) / BATCH)
    if (genuine.length !== BATCH) throw new Error(`only ${genuine.length} of ${BATCH} verified`)

    const t1 = performance.now()
    const encoder = new TextEncoder()
    for (const { claim, proof } of claims.slice(0, BATCH / 4)) {
      const signature = parseProof(proof)!.signature
      const key = members.find((m) => m.peerId === claim.peer)!.publicKey
      const text = claimText(workplace, claim, clock)
      if (!ed25519.verify(signature, encoder.encode(text), key, { zip215: false })) {
        throw new Error('noble refused a valid signature')
      }
    }
    noble.push(((performance.now() - t1) * 1000) / (BATCH / 4))
  }
  ctx.log(
    `verify one message: WebCrypto ${webCrypto.map((t) => t.toFixed(1)).join(', ')} us, ` +
      `@noble ${noble.map((t) => t.toFixed(0)).join(', ')} us`,
  )
  return [
    {
      name: 'chat.verify_per_msg_us',
      value: Math.round(median(webCrypto)),
      unit: 'us',
      runs: RUNS,
    },
    {
      name: 'chat.verify_per_msg_noble_us',
      value: Math.round(median(noble)),
      unit: 'us',
      runs: RUNS,
    },
  ]
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const identities = await Promise.all([0, 1, 2, 3].map(() => createTestIdentity()))
  const self = identities[0]!
  const storage = new MemoryStorage()
  const list = createMemoryWorkplaceList()
  const records = createMemoryRecordStore()
  const kinds = new Map([[CHAT_DOC_KIND, () => initialChatIndex()]])
  const hub = new MemoryMeshHub()
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
  for (const other of identities.slice(1)) await wp.add(other.peerId)
  // The others' devices published their keys when they joined.
  wp.handle.change((d) => {
    d.keys ??= {}
    for (const m of identities) d.keys[m.peerId] = toBase64Url(m.publicKey)
  })
  const membershipClock = wp.membership.clock
  const sign: Signer = (who, claim) => signClaim(who, wp.id, claim, membershipClock)
  const membership = wp.membership
  const verifyMetrics = await verifyCost(ctx, wp.id, identities, () => membership)
  const index = await wp.openDoc<{ shards: Record<string, true> }>(CHAT_DOC_KIND)
  const register = rootDocsRegistrar(wp.handle)
  const chatId = index.documentId
  let newest = ''
  // History ends three days into a week, so the newest shard is full (500 messages): the worst
  // case for the first shard to load.
  const { bucketMs } = initialChatIndex()
  const end = Math.floor(Date.now() / bucketMs) * bucketMs - bucketMs + 3 * 24 * 3600_000
  for (const [key, messages] of plan(end - SPAN_MS)) {
    const { binary, lastId } = await buildShard(
      chatId,
      key,
      messages,
      identities,
      self.peerId,
      sign,
    )
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
    ...verifyMetrics,
    { name: 'chat.open_50k_node_ms', value: Math.round(median(times)), unit: 'ms', runs: RUNS },
    {
      name: 'chat.open_50k_node_settled_ms',
      value: Math.round(median(settledTimes)),
      unit: 'ms',
      runs: RUNS,
    },
  ]
}
