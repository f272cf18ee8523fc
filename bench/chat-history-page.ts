/**
 * A page for bench/chat-open.ts, served on the app's origin: writes a workplace with a long chat
 * history into this browser profile's IndexedDB, through the same stores the app opens
 * (src/app/start-workplaces.ts) and under this device's own identity (created here if the app
 * has not run yet), so that the app opens it as one of its own. Driven through
 * `window.chatHistory`.
 */
import { stringifyAutomergeUrl } from '@automerge/automerge-repo'
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
import { CHAT_DOC_KIND, initialChatIndex, type ChatIndexDoc } from '../src/crdt/chat/chat-doc.ts'
import { shardDocumentId } from '../src/crdt/chat/shard-doc.ts'
import { rootDocsRegistrar } from '../src/crdt/chat/shard-registrar.ts'
import { CONTACTS_DOC_KIND, initialContactsDoc } from '../src/crdt/contacts/contacts-doc.ts'
import { createIndexedDbRecordStore } from '../src/crdt/membership/record-store.ts'
import { createIndexedDbWorkplaceList } from '../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack } from '../src/crdt/workplace-stack.ts'
import { createIdbKeyStore } from '../src/peer/identity/idb-key-store.ts'
import { loadOrCreateIdentity } from '../src/peer/identity/load-identity.ts'
import { toBase64Url } from '../src/lib/base64.ts'
import type { MeshPort } from '../src/peer/mesh/mesh-port.ts'
import type { PeerId } from '../src/peer/ids.ts'
import { createTestIdentity } from '../tests/support/test-identity.ts'
import { planHistory } from './chat-history.ts'

export interface WrittenHistory {
  workplace: string
  newestId: string
  newestText: string
  shards: number
  messages: number
  bytes: number
  ms: number
}

/** No links: the history is written on this device alone. */
function offlineMesh(self: PeerId): MeshPort {
  const never = () => () => {}
  return {
    self,
    presence: {
      linkedPeers: () => [],
      isLinked: () => false,
      onLinkChange: never,
      online: () => [self],
      syncer: () => self,
      onOnlineChange: never,
      topicPeers: () => [],
      onTopicChange: never,
    },
    send: () => false,
    onMessage: never,
    sendLinked: () => false,
    onLinkMessage: never,
    sendBulk: (peer) => Promise.reject(new Error(`no link to ${peer}`)),
    setGroup: () => {},
    removeGroup: () => {},
    join: () => {},
    leave: () => {},
    reauthorize: () => {},
  }
}

async function write(options: {
  name: string
  messages: number
  spanMs: number
  unread: number
  /** See `HistoryOptions.turn`. */
  turn?: number | undefined
}): Promise<WrittenHistory> {
  const started = performance.now()
  const identity = await loadOrCreateIdentity(await createIdbKeyStore())
  const stack = createWorkplaceStack({
    identity,
    mesh: offlineMesh(identity.peerId),
    storage: new IndexedDBStorageAdapter('peerplace-documents'),
    list: createIndexedDbWorkplaceList(),
    records: createIndexedDbRecordStore(),
    displayName: () => 'Bench',
    kinds: new Map<string, () => unknown>([
      [CHAT_DOC_KIND, initialChatIndex],
      [CONTACTS_DOC_KIND, initialContactsDoc],
    ]),
  })
  const wp = await stack.workplaces.create(options.name)
  const index = await wp.openDoc<ChatIndexDoc>(CHAT_DOC_KIND)
  const register = rootDocsRegistrar(wp.handle)
  // Three other members, added by this device (the owner), their keys published as joining does.
  const others = await Promise.all([0, 1, 2].map(() => createTestIdentity()))
  for (const other of others) await wp.add(other.peerId)
  const members = [identity, ...others]
  wp.handle.change((d) => {
    d.keys ??= {}
    for (const m of members) d.keys[m.peerId] = toBase64Url(m.publicKey)
  })
  const plan = planHistory({
    workplace: wp.id,
    membershipClock: wp.membership.clock,
    chat: index.documentId,
    members,
    messages: options.messages,
    end: Date.now() - 60_000,
    spanMs: options.spanMs,
    unread: options.unread,
    turn: options.turn,
  })
  let shards = 0
  let messages = 0
  let bytes = 0
  for await (const shard of plan.shards) {
    const documentId = shardDocumentId(index.documentId, shard.key)
    stack.repo.import(shard.binary, { docId: documentId })
    register({ key: shard.key, documentId, url: stringifyAutomergeUrl({ documentId }) })
    index.change((d) => {
      d.shards[shard.key] = true
    })
    shards++
    messages += shard.messages
    bytes += shard.binary.length
    // Let storage writes and the page breathe between shards.
    if (shards % 10 === 0) await stack.repo.flush()
  }
  await stack.repo.flush()
  await stack.shutdown()
  return {
    workplace: options.name,
    newestId: plan.newestId,
    newestText: plan.newestText,
    shards,
    messages,
    bytes,
    ms: performance.now() - started,
  }
}

/** Turns the storage lock on over what was written (loaded only when asked). */
const seal = (passphrase: string) =>
  import('./seal-history.ts').then((m) => m.sealStorage(passphrase))

const driver = { write, seal }

declare global {
  interface Window {
    chatHistory: typeof driver
  }
}

window.chatHistory = driver
