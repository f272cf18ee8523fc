import type { DocHandle } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { ShardDoc, ShardKey } from './chat-doc.ts'
import type { Hlc } from './hlc.ts'
import { readShardMessages, type ChatMessage, type ReadCache } from './message-view.ts'
import { newestByAuthor } from './receipts.ts'

/**
 * One open shard: its validated messages, read again only after the document changes, and the
 * messages that are new since the last look.
 */
export class LoadedShard {
  readonly key: ShardKey
  readonly handle: DocHandle<ShardDoc>
  readonly #seen = new Set<string>()
  readonly #reported = new Set<string>()
  readonly #read: ReadCache = new WeakMap()
  readonly #off: () => void
  #messages: ChatMessage[] | undefined
  #byId: Map<string, ChatMessage> | undefined
  #newest: Map<PeerId, Hlc> | undefined

  /** @param onChange hears the messages this device had not seen in this shard before */
  constructor(
    key: ShardKey,
    handle: DocHandle<ShardDoc>,
    onChange: (shard: LoadedShard, fresh: ChatMessage[]) => void,
  ) {
    this.key = key
    this.handle = handle
    const listener = () => {
      this.#messages = undefined
      this.#byId = undefined
      this.#newest = undefined
      onChange(this, this.takeFresh())
    }
    handle.on('change', listener)
    this.#off = () => handle.off('change', listener)
  }

  get doc(): ShardDoc | undefined {
    return this.handle.isReady() ? this.handle.doc() : undefined
  }

  messages(): ChatMessage[] {
    this.#messages ??= readShardMessages(
      this.doc,
      this.key.key,
      this.#reported,
      (id, reason) =>
        console.warn(`chat: ignoring message ${id} in shard ${this.key.key}: ${reason}`),
      this.#read,
    )
    return this.#messages
  }

  message(id: string): ChatMessage | undefined {
    this.#byId ??= new Map(this.messages().map((m) => [m.id, m]))
    return this.#byId.get(id)
  }

  /** Each author's newest message timestamp in this shard (what receipts are raised to). */
  newestByAuthor(): ReadonlyMap<PeerId, Hlc> {
    this.#newest ??= newestByAuthor(this.messages())
    return this.#newest
  }

  /** Stored messages, valid or not: what the part limit counts. */
  count(): number {
    const messages = this.doc?.messages
    return typeof messages === 'object' && messages !== null ? Object.keys(messages).length : 0
  }

  /** The messages not returned by an earlier call. */
  takeFresh(): ChatMessage[] {
    const fresh = this.messages().filter((m) => !this.#seen.has(m.id))
    for (const m of fresh) this.#seen.add(m.id)
    return fresh
  }

  close(): void {
    this.#off()
  }
}
