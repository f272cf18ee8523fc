import { Emitter } from '../lib/emitter.ts'
import type { PeerId } from '../peer/ids.ts'
import { Bitmap } from './bitmap.ts'
import { ChunkPool, toRanges } from './chunk-pool.ts'
import { DownloadSource } from './download-source.ts'
import type {
  DownloadDeps,
  DownloadEvents,
  DownloadOptions,
  DownloadProgress,
  DownloadState,
} from './download-types.ts'
import { sameBytes, toHex, type HashHex } from './hashing.ts'
import { Manifest } from './manifest.ts'
import type {
  ChunkMessage,
  FilesMessage,
  MissingMessage,
  OpenedMessage,
  RefusedMessage,
} from './transfer-protocol.ts'
import { RateMeter, secondsLeft } from './rate-meter.ts'
import { SourcePace } from './source-pace.ts'

export type { DownloadOptions, DownloadProgress, DownloadState } from './download-types.ts'

/** Holders asked again once their `retryAt` has come. */
const RETRIED: readonly DownloadSource['state'][] = ['idle', 'stalled', 'gone', 'refused']

/**
 * Fetches one file into the chunk store from every holder at once. Each holder gets a sliding
 * window of requests (bounded by bytes outstanding), so its channel stays full; every chunk is
 * checked against the manifest before it is stored; a holder whose data fails is flagged and
 * its chunks go to the others. What is stored stays: a new Download of the same file (after a
 * reload, or from other holders) asks only for what is missing.
 */
export class Download extends Emitter<DownloadEvents> {
  readonly fileId: HashHex
  readonly scope: string
  readonly done: Promise<void>
  readonly #deps: DownloadDeps
  readonly #o: Required<DownloadOptions>
  readonly #sources = new Map<PeerId, DownloadSource>()
  readonly #meter = new RateMeter()
  /** Chunks neither stored, being stored, nor asked of a holder (once the manifest is known). */
  #pool: ChunkPool | null = null
  readonly #offs: (() => void)[] = []
  #manifest: Manifest | null = null
  #have: Bitmap | null = null
  #haveCount = 0
  #bytesDone = 0
  #state: DownloadState = 'starting'
  #preparing: Promise<void> | null = null
  #timer: ReturnType<typeof setInterval> | undefined
  #lastSaveAt = -Infinity
  #wanted = true
  #changeQueued = false
  #settle!: { resolve: () => void; reject: (error: Error) => void }

  constructor(deps: DownloadDeps) {
    super()
    this.#deps = deps
    this.fileId = deps.fileId
    this.scope = deps.scope
    this.#o = {
      windowBytes: deps.options?.windowBytes ?? 8 * 1024 * 1024,
      stallMs: deps.options?.stallMs ?? 10_000,
      retryMs: deps.options?.retryMs ?? 2000,
      saveEveryMs: deps.options?.saveEveryMs ?? 2000,
    }
    this.done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }))
    this.done.catch(() => {})
  }

  get state(): DownloadState {
    return this.#state
  }

  progress(): DownloadProgress {
    const now = this.#deps.now()
    const size = this.#manifest?.size ?? this.#deps.sizeHint ?? null
    const rate = this.#state === 'fetching' ? this.#meter.rate(now) : 0
    return {
      fileId: this.fileId,
      state: this.#state,
      bytesDone: this.#bytesDone,
      size,
      rate,
      secondsLeft: size === null ? null : secondsLeft(size - this.#bytesDone, rate),
      sources: [...this.#sources.values()].map((s) => s.view()),
    }
  }

  /** Loads what is stored, then asks every candidate holder. */
  async start(): Promise<void> {
    this.#offs.push(this.#deps.finder.onChange(() => this.#refreshSources()))
    this.#timer = setInterval(() => this.#tick(), Math.min(1000, this.#o.retryMs))
    const stored = await this.#deps.store.getManifest(this.fileId)
    if (stored && (await this.#acceptManifest(stored))) await this.#prepare()
    if (this.#isOver()) return
    this.#refreshSources()
    this.#update()
  }

  /** Stops; what is stored stays, recorded as no longer wanted. Resolves once recorded. */
  async cancel(): Promise<void> {
    if (this.#isOver()) return
    for (const source of this.#sources.values()) this.#drop(source, source.state, source.detail)
    this.#wanted = false
    this.#finish('cancelled')
    this.#settle.reject(new Error('download cancelled'))
    await this.#saveProgress(true)
  }

  receive(peer: PeerId, message: FilesMessage): void {
    if (this.#isOver()) return
    const source = this.#sources.get(peer)
    if (!source) return
    switch (message.type) {
      case 'opened':
        return void this.#onOpened(source, message)
      case 'refused':
        return this.#onRefused(source, message)
      case 'chunk':
        return void this.#onChunk(source, message)
      case 'missing':
        return this.#onMissing(source, message)
    }
  }

  /** The link to `peer` closed. */
  peerGone(peer: PeerId): void {
    const source = this.#sources.get(peer)
    if (!source || this.#isOver() || source.state === 'bad') return
    this.#drop(source, 'gone', 'no link')
    source.retryAt = 0
    this.#update()
  }

  /** A link came up: holders among the candidates are asked again. */
  refresh(): void {
    if (!this.#isOver()) this.#refreshSources()
  }

  #isOver(): boolean {
    return this.#state === 'complete' || this.#state === 'cancelled'
  }

  #refreshSources(): void {
    const now = this.#deps.now()
    for (const peer of this.#deps.finder.candidates()) {
      if (peer === this.#deps.self) continue
      const source = this.#sources.get(peer)
      if (!source) this.#open(new DownloadSource(peer, this.#newPace()))
      // A refusal is of the moment (the holder had not heard of our membership or the file yet).
      else if (RETRIED.includes(source.state) && source.retryAt <= now) {
        this.#open(source)
      }
    }
    this.#update()
  }

  #newPace(): SourcePace {
    return new SourcePace({ maxWindow: this.#o.windowBytes, stallMs: this.#o.stallMs })
  }

  #open(source: DownloadSource): void {
    this.#sources.set(source.peer, source)
    source.state = 'opening'
    source.detail = ''
    source.requestId = (source.requestId + 1) >>> 0
    source.lastProgressAt = this.#deps.now()
    const sent = this.#deps.send(source.peer, {
      type: 'open',
      requestId: source.requestId,
      fileId: this.fileId,
      scope: this.scope,
      wantManifest: this.#manifest === null,
    })
    if (!sent) {
      source.state = 'gone'
      source.detail = 'no link'
      source.retryAt = this.#deps.now() + this.#o.retryMs
    }
  }

  async #onOpened(source: DownloadSource, message: OpenedMessage): Promise<void> {
    if (source.state !== 'opening' || message.requestId !== source.requestId) return
    if (!this.#manifest && message.manifest) {
      if (!(await this.#acceptManifest(message.manifest))) {
        return this.#flag(source, 'sent a manifest that does not match the file ID')
      }
      await this.#prepare()
    }
    await this.#preparing
    if (this.#isOver() || source.state !== 'opening') return
    const manifest = this.#manifest
    if (!manifest) {
      source.state = 'idle'
      source.detail = 'did not send the chunk list'
      source.retryAt = this.#deps.now() + this.#o.retryMs
      return this.#update()
    }
    if (message.count !== manifest.count) {
      return this.#flag(source, `said the file has ${message.count} chunks, not ${manifest.count}`)
    }
    source.have = new Bitmap(message.count, message.bitmap)
    source.state = 'active'
    this.#pump()
  }

  async #acceptManifest(bytes: Uint8Array): Promise<boolean> {
    if (this.#manifest) return true
    if (toHex(await this.#deps.sha256(bytes)) !== this.fileId) return false
    const manifest = Manifest.decode(bytes)
    if (manifest instanceof Error) return false
    if (this.#manifest) return true
    this.#manifest = manifest
    await this.#deps.store.putManifest(this.fileId, bytes)
    return true
  }

  /** Finds what is stored already: only the rest is fetched. */
  #prepare(): Promise<void> {
    this.#preparing ??= (async () => {
      const manifest = this.#manifest!
      const hashes = Array.from({ length: manifest.count }, (_, i) => manifest.hashHex(i))
      const held = await this.#deps.store.hasChunks(hashes)
      const have = new Bitmap(manifest.count)
      const pool = (this.#pool = new ChunkPool(manifest))
      held.forEach((has, index) => {
        if (has) {
          have.set(index)
          this.#haveCount++
          this.#bytesDone += manifest.chunkLength(index)
        } else pool.add(index)
      })
      this.#have = have
      if (this.#haveCount === manifest.count) await this.#complete()
    })()
    return this.#preparing
  }

  #onRefused(source: DownloadSource, message: RefusedMessage): void {
    if (message.code === 'not-opened' && source.state === 'active') {
      this.#drop(source, 'idle', 'forgot the file')
      source.retryAt = 0
      return this.#refreshSources()
    }
    this.#drop(source, 'refused', message.detail)
    source.retryAt = this.#deps.now() + 10 * this.#o.retryMs
    this.#update()
  }

  async #onChunk(source: DownloadSource, message: ChunkMessage): Promise<void> {
    const manifest = this.#manifest
    const pool = this.#pool
    const { index, data } = message
    if (!manifest || !pool || !source.asked.delete(index)) return
    const now = this.#deps.now()
    source.pace.arrived(data.length, now - source.lastProgressAt)
    source.lastProgressAt = now
    const length = manifest.chunkLength(index)
    const expected = manifest.hash(index)
    const ok =
      data.length === length &&
      message.hash === toHex(expected) &&
      sameBytes(await this.#deps.sha256(data), expected)
    let stored = false
    if (ok) {
      try {
        await this.#deps.store.putChunk(toHex(expected), data)
        stored = true
      } catch (error) {
        this.#deps.log(`could not store chunk ${index} of ${this.fileId}: ${String(error)}`)
      }
    }
    // Only now does the chunk stop counting against the holder's window: memory stays bounded.
    pool.settle(source, index)
    if (!stored) pool.add(index)
    if (!ok) return this.#flag(source, `sent chunk ${index}, which failed verification`)
    if (!stored) return void this.cancel()
    if (this.#isOver() || this.#have?.has(index)) return
    this.#have?.set(index)
    this.#haveCount++
    this.#bytesDone += length
    source.bytes += length
    this.#meter.add(length, this.#deps.now())
    if (this.#haveCount === manifest.count) return void this.#complete()
    void this.#saveProgress(false)
    this.#pump()
  }

  #onMissing(source: DownloadSource, message: MissingMessage): void {
    if (!this.#pool || !source.asked.delete(message.index)) return
    source.have?.clear(message.index)
    this.#pool.settle(source, message.index)
    this.#pool.add(message.index)
    this.#pump()
  }

  /** Keeps every active holder's window full. */
  #pump(): void {
    const pool = this.#pool
    if (!pool || this.#isOver()) return
    const chunkBytes = this.#manifest!.chunkSize
    for (const source of this.#sources.values()) {
      if (!source.usable) continue
      const window = source.pace.window(chunkBytes)
      const free = window - source.outstanding
      // Ask in batches (a quarter window at least) rather than a request per chunk.
      if (free < Math.min(window / 4, Math.max(1, pool.bytes))) continue
      const wasIdle = source.outstanding === 0
      const picked = pool.take(source, free)
      if (picked.length === 0) {
        if (source.asked.size === 0) {
          source.state = 'idle'
          source.detail = 'holds nothing more that is needed'
          source.retryAt = this.#deps.now() + this.#o.retryMs
        }
        continue
      }
      if (wasIdle) source.lastProgressAt = this.#deps.now()
      for (const ranges of toRanges(picked)) {
        if (!this.#deps.send(source.peer, { type: 'request', fileId: this.fileId, ranges })) {
          this.#drop(source, 'gone', 'no link')
          break
        }
      }
    }
    this.#update()
  }

  /** Stops using a holder; what it was asked for goes back to the pool. */
  #drop(source: DownloadSource, state: DownloadSource['state'], detail: string): void {
    if (source.asked.size > 0) {
      this.#deps.send(source.peer, { type: 'cancel', fileId: this.fileId })
    }
    this.#pool?.release(source)
    source.state = state
    source.detail = detail
    source.retryAt = this.#deps.now() + this.#o.retryMs
  }

  #flag(source: DownloadSource, detail: string): void {
    if (source.state === 'bad') return
    this.#deps.log(`${source.peer} ${detail}; not using it for ${this.fileId}`)
    this.#drop(source, 'bad', detail)
    this.emit('flagged', { peer: source.peer, detail })
    this.#pump()
  }

  #tick(): void {
    const now = this.#deps.now()
    const chunkBytes = this.#manifest?.chunkSize ?? 0
    for (const source of this.#sources.values()) {
      // Chunks asked for wait as long as the holder's pace says the next one may take.
      const limit = source.asked.size > 0 ? source.pace.stallAfter(chunkBytes) : this.#o.stallMs
      const waiting = source.state === 'opening' || source.asked.size > 0
      if (waiting && now - source.lastProgressAt > limit) {
        if (source.asked.size > 0) source.pace.stalled()
        this.#drop(source, 'stalled', `sent nothing for ${Math.round(limit / 1000)} s`)
      }
    }
    this.#refreshSources()
    this.#pump()
    void this.#saveProgress(false)
  }

  #update(): void {
    if (this.#isOver()) return
    const busy = [...this.#sources.values()].some(
      (s) => s.state === 'active' || s.state === 'opening',
    )
    this.#state = busy ? 'fetching' : 'waiting'
    this.#changed()
  }

  #changed(): void {
    if (this.#changeQueued) return
    this.#changeQueued = true
    setTimeout(() => {
      this.#changeQueued = false
      this.emit('change', undefined)
    }, 100)
  }

  #saveProgress(force: boolean): Promise<void> {
    const manifest = this.#manifest
    const now = this.#deps.now()
    if (!manifest || (!force && now - this.#lastSaveAt < this.#o.saveEveryMs)) {
      return Promise.resolve()
    }
    this.#lastSaveAt = now
    return this.#deps.store
      .putRecord({
        fileId: this.fileId,
        size: manifest.size,
        chunks: this.#haveCount,
        count: manifest.count,
        wanted: this.#wanted,
        updatedAt: Date.now(),
      })
      .catch((error: unknown) => this.#deps.log(`could not save progress: ${String(error)}`))
  }

  async #complete(): Promise<void> {
    if (this.#isOver()) return
    this.#state = 'complete'
    await this.#saveProgress(true)
    this.#finish('complete')
    this.#settle.resolve()
  }

  #finish(state: DownloadState): void {
    this.#state = state
    clearInterval(this.#timer)
    for (const off of this.#offs.splice(0)) off()
    this.emit('change', undefined)
  }
}
