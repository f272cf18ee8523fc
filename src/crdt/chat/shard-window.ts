import { stringifyAutomergeUrl, type DocHandle, type Repo } from '@automerge/automerge-repo'
import type { Authorship } from '../authorship/authorship.ts'
import {
  chatSettings,
  listShards,
  shardKey,
  type ChatIndexDoc,
  type ChatSettings,
  type ShardKey,
} from './chat-doc.ts'
import { LoadedShard } from './loaded-shard.ts'
import type { ChatMessage } from './message-view.ts'
import { openShard, shardDocumentId } from './shard-doc.ts'
import type { HistoryDelays } from './shard-history.ts'
import type { ShardRegistrar } from './shard-registrar.ts'

const FUTURE_SLACK_MS = 24 * 3600_000

/** Hears a shard's messages that are new to this device; `live` ones are news, not history. */
export type ShardListener = (shard: LoadedShard, fresh: ChatMessage[], live: boolean) => void

/**
 * Which of a chat's shards are open on this device. Opening loads only the newest shard; the
 * rest of the newest bucket follows (a writer who was offline may have put newer messages in a
 * lower part), and so does every shard created later. Older shards open on demand, newest first.
 */
export class ShardWindow {
  readonly index: DocHandle<ChatIndexDoc>
  readonly #repo: Repo
  readonly #authorship: Authorship
  readonly #register: ShardRegistrar
  readonly #listener: ShardListener
  readonly #now: () => number
  readonly #historyDelays: HistoryDelays | undefined
  readonly #loaded = new Map<string, LoadedShard>()
  readonly #loading = new Map<string, Promise<LoadedShard>>()
  /** Shards listed when the window opened: history, not news. */
  readonly #known = new Set<string>()
  readonly #off: () => void
  /** Shards of this bucket and newer are kept open as they appear; undefined until the first. */
  #liveFrom: number | undefined
  #closed = false

  constructor(options: {
    repo: Repo
    authorship: Authorship
    index: DocHandle<ChatIndexDoc>
    register: ShardRegistrar
    listener: ShardListener
    now: () => number
    historyDelays?: HistoryDelays
  }) {
    this.#now = options.now
    this.#historyDelays = options.historyDelays
    this.index = options.index
    this.#repo = options.repo
    this.#authorship = options.authorship
    this.#register = options.register
    this.#listener = options.listener
    const onIndex = () => void this.follow().catch(reportLoadError)
    this.index.on('change', onIndex)
    this.#off = () => this.index.off('change', onIndex)
  }

  /** Loads the newest shard, if there is one; `follow` opens the rest of the live buckets. */
  async open(): Promise<void> {
    const newest = this.#start()
    if (newest) await this.load(newest, false)
  }

  /** Opens every shard of the live buckets that is not open yet. */
  async follow(): Promise<void> {
    this.#start()
    const from = this.#liveFrom
    if (from === undefined) return
    const live = this.listed().filter((s) => s.bucket >= from)
    await Promise.all(live.map((s) => this.load(s, !this.#known.has(s.key))))
  }

  get settings(): ChatSettings {
    return chatSettings(this.index.doc())
  }

  listed(): ShardKey[] {
    return listShards(this.index.doc())
  }

  loaded(): IterableIterator<LoadedShard> {
    return this.#loaded.values()
  }

  get(key: string): LoadedShard | undefined {
    return this.#loaded.get(key)
  }

  hasOlder(): boolean {
    return this.listed().some((s) => !this.#loaded.has(s.key))
  }

  /** Opens the newest listed shard not open yet; false when every shard is open. */
  async loadOlder(): Promise<boolean> {
    const next = this.listed().find((s) => !this.#loaded.has(s.key))
    if (!next) return false
    await this.load(next, false)
    return true
  }

  /** The shard a new message of `bucket` goes to: its highest part, or the next once full. */
  async writable(bucket: number): Promise<LoadedShard> {
    const highest = this.listed().find((s) => s.bucket === bucket)
    let shard = await this.load(highest ?? { key: shardKey(bucket, 0), bucket, part: 0 }, true)
    if (shard.count() >= this.settings.shardLimit) {
      const part = shard.key.part + 1
      shard = await this.load({ key: shardKey(bucket, part), bucket, part }, true)
    }
    if (!this.index.doc().shards?.[shard.key.key]) {
      this.index.change((d) => {
        d.shards ??= {}
        d.shards[shard.key.key] = true
      })
    }
    return shard
  }

  /** Opens a shard once (concurrent calls share the opening). */
  load(key: ShardKey, live: boolean): Promise<LoadedShard> {
    const open = this.#loaded.get(key.key)
    if (open) return Promise.resolve(open)
    let loading = this.#loading.get(key.key)
    if (!loading) {
      loading = this.#open(key, live).finally(() => this.#loading.delete(key.key))
      this.#loading.set(key.key, loading)
    }
    return loading
  }

  close(): void {
    this.#closed = true
    this.#off()
    for (const shard of this.#loaded.values()) shard.close()
  }

  /**
   * The first time there are shards: the live buckets start at the newest, which it returns.
   * A shard dated more than a day ahead (a member's clock is wrong) does not count as the newest:
   * it would otherwise stop today's shards from being followed.
   */
  #start(): ShardKey | undefined {
    if (this.#liveFrom !== undefined) return undefined
    const listed = this.listed()
    const horizon = this.#now() + FUTURE_SLACK_MS
    const { bucketMs } = this.settings
    const newest = listed.find((s) => s.bucket * bucketMs <= horizon) ?? listed.at(-1)
    if (!newest) return undefined
    this.#liveFrom = newest.bucket
    for (const s of listed) this.#known.add(s.key)
    return newest
  }

  async #open(key: ShardKey, live: boolean): Promise<LoadedShard> {
    const chat = this.index.documentId
    const documentId = shardDocumentId(chat, key.key)
    this.#register({ key: key.key, documentId, url: stringifyAutomergeUrl({ documentId }) })
    const handle = await openShard(this.#repo, chat, key.key)
    const shard = new LoadedShard(
      key,
      handle,
      this.#authorship,
      (s, fresh) => this.#listener(s, fresh, true),
      this.#historyDelays,
    )
    // Messages show once their signatures are checked, so history never arrives as news.
    await shard.verified()
    const existing = this.#loaded.get(key.key)
    if (existing) {
      shard.close()
      return existing
    }
    shard.start()
    this.#loaded.set(key.key, shard)
    if (this.#closed) shard.close()
    else this.#listener(shard, shard.takeFresh(), live)
    return shard
  }
}

function reportLoadError(error: unknown): void {
  console.error('chat: could not open a shard', error)
}
