import type { DocHandle } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { Authorship } from '../authorship/authorship.ts'
import type { ShardDoc, ShardKey } from './chat-doc.ts'
import type { Hlc } from './hlc.ts'
import { RecordOrigins } from '../authorship/record-origins.ts'
import { readShardMessages, type ChatMessage, type ReadCache } from './message-view.ts'
import { newestByAuthor } from './receipts.ts'

/** Unsigned messages' origins are looked up this long after the shard is first read. */
const ORIGINS_DELAY_MS = 500

/**
 * One open shard: its validated, verified messages, read again only after the document changes
 * or verdicts do, and the messages that are new since the last look.
 */
export class LoadedShard {
  readonly key: ShardKey
  readonly handle: DocHandle<ShardDoc>
  readonly authorship: Authorship
  readonly #seen = new Set<string>()
  readonly #reported = new Set<string>()
  #read: ReadCache = new WeakMap()
  /** Where messages came from, for those someone overwrote (read only when one needs it). */
  readonly #origins = new RecordOrigins('messages', ['a', 't', 'x', 'r', 's'])
  #originsTimer: ReturnType<typeof setTimeout> | undefined
  readonly #listener: () => void
  readonly #offs: (() => void)[] = []
  #messages: ChatMessage[] | undefined
  #pending = false
  #byId: Map<string, ChatMessage> | undefined
  #newest: Map<PeerId, Hlc> | undefined
  #started = false
  /** What was read before the last change, reused if the change left the messages as they were. */
  #last:
    | {
        messages: ChatMessage[]
        byId: Map<string, ChatMessage> | undefined
        newest: Map<PeerId, Hlc> | undefined
      }
    | undefined

  /**
   * @param onChange hears the messages this device had not seen in this shard before, from
   *   `start` on
   */
  constructor(
    key: ShardKey,
    handle: DocHandle<ShardDoc>,
    authorship: Authorship,
    onChange: (shard: LoadedShard, fresh: ChatMessage[]) => void,
  ) {
    this.key = key
    this.handle = handle
    this.authorship = authorship
    const listener = (this.#listener = () => {
      if (this.#messages) {
        this.#last = { messages: this.#messages, byId: this.#byId, newest: this.#newest }
      }
      this.#messages = undefined
      this.#byId = undefined
      this.#newest = undefined
      if (this.#started) onChange(this, this.takeFresh())
    })
    handle.on('change', listener)
    this.#offs.push(
      () => handle.off('change', listener),
      authorship.on('change', listener),
      // Signature checks finished: only a shard that waited on some needs a new look.
      authorship.on('verified', () => {
        if (this.#pending) listener()
      }),
    )
  }

  /** From now on, changes are reported to `onChange`. */
  start(): void {
    this.#started = true
  }

  get doc(): ShardDoc | undefined {
    return this.handle.isReady() ? this.handle.doc() : undefined
  }

  messages(): ChatMessage[] {
    if (!this.#messages) {
      const last = this.#last
      let before: Map<string, ChatMessage> | undefined
      const read = readShardMessages(
        this.doc,
        this.key.key,
        this.#reported,
        (id, reason) =>
          console.warn(`chat: ignoring message ${id} in shard ${this.key.key}: ${reason}`),
        (claim, proof, required) => this.authorship.check(claim, proof, required),
        { map: this.#read, generation: this.authorship.generation },
        (id, eager) => this.#originsOf(id, eager),
        (id) => (before ??= new Map(last?.messages.map((m) => [m.id, m]))).get(id),
      )
      // A change that left every message as it was (say, a receipt) keeps the list, so that
      // readers can tell there is nothing to re-render.
      if (last && sameItems(last.messages, read.messages)) {
        this.#messages = last.messages
        this.#byId = last.byId
        this.#newest = last.newest
      } else {
        this.#messages = read.messages
      }
      this.#pending = read.pending
    }
    return this.#messages
  }

  /**
   * Resolves once the messages are read with every signature check that could finish done
   * (checks waiting for a writer's key to arrive are not waited for).
   */
  async verified(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      this.messages()
      if (!this.#pending) return
      await this.authorship.settled()
    }
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
    clearTimeout(this.#originsTimer)
    for (const off of this.#offs.splice(0)) off()
  }

  /**
   * A message's origins; when not `eager` and the history was never read, none for now: it is
   * read a moment later, and the messages again with it.
   */
  #originsOf(id: string, eager: boolean) {
    if (eager || this.#origins.read) return this.#origins.versions(this.handle.doc(), id)
    this.#originsTimer ??= setTimeout(() => {
      if (!this.handle.isReady()) return
      this.#origins.versions(this.handle.doc(), id)
      this.#read = new WeakMap()
      this.#listener()
    }, ORIGINS_DELAY_MS)
    return []
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
