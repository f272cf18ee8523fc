import * as Automerge from '@automerge/automerge'
import {
  ImmutableString,
  parseAutomergeUrl,
  stringifyAutomergeUrl,
  type BinaryDocumentId,
  type DocHandle,
  type DocumentId,
  type Repo,
} from '@automerge/automerge-repo'
import { sha256 } from '@noble/hashes/sha2.js'
import { CHAT_DOC_VERSION, type ShardDoc } from './chat-doc.ts'

const DOMAIN = 'peerplace-chat-shard-v1'
/**
 * The actor of every shard's first change. Only that change uses it: documents loaded or
 * imported into a repo get their own random actor for later changes.
 */
const SEED_ACTOR = '5045455250304c4143452d4348415431'

/** A shard's document ID: derived from its chat index's ID and its key, the same on every peer. */
export function shardDocumentId(chat: DocumentId, key: string): DocumentId {
  const digest = sha256(new TextEncoder().encode(`${DOMAIN}\n${chat}\n${key}`))
  const url = stringifyAutomergeUrl(digest.slice(0, 16) as BinaryDocumentId)
  return parseAutomergeUrl(url).documentId
}

/**
 * A shard's first change, byte for byte the same on every peer (fixed actor, time and content),
 * so members who start the same shard concurrently share its root objects and none of their
 * messages are lost when the documents merge.
 */
export function initialShardBinary(chat: DocumentId, key: string): Uint8Array {
  const seed = Automerge.change(
    Automerge.init<ShardDoc>({ actor: SEED_ACTOR }),
    { time: 0, message: 'chat shard' },
    (d) => {
      d.v = CHAT_DOC_VERSION
      d.chat = new ImmutableString(chat)
      d.key = new ImmutableString(key)
      d.messages = {}
      d.delivered = {}
      d.read = {}
    },
  )
  return Automerge.save(seed)
}

/**
 * Opens a shard: from storage if this device has it, else starts it from its deterministic first
 * change at once (peers' changes merge in by sync), so opening never waits on the network.
 */
export async function openShard(
  repo: Repo,
  chat: DocumentId,
  key: string,
): Promise<DocHandle<ShardDoc>> {
  const documentId = shardDocumentId(chat, key)
  const progress = repo.findWithProgress<ShardDoc>(documentId)
  const handle = progress.handle
  if (handle.isReady()) return handle
  const seed = () => {
    if (!handle.isReady()) repo.import(initialShardBinary(chat, key), { docId: documentId })
  }
  // Storage has been consulted and missed once the repo asks the network (progress 75).
  const missed = (step: { state: string; progress?: number }) =>
    step.state === 'unavailable' || (step.state === 'loading' && (step.progress ?? 0) >= 75)
  if ('subscribe' in progress) {
    const off = progress.subscribe((step) => {
      if (missed(step)) seed()
    })
    if (missed(progress.peek())) seed()
    try {
      await handle.whenReady(['ready'])
    } finally {
      off()
    }
  } else {
    if (missed(progress)) seed()
    await handle.whenReady(['ready'])
  }
  return handle
}
