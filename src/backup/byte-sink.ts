/** Where backup bytes go as they are produced: a file being written, a Blob being built. */
export interface ByteSink {
  /** Takes `bytes` over: the caller does not change them afterwards (they are not copied). */
  write(bytes: Uint8Array): Promise<void>
  close(): Promise<void>
  /** Stops and discards what was written (an error or a cancel part way). */
  abort(reason: unknown): Promise<void>
}

/**
 * A sink that gathers bytes into a Blob, folding the pieces into it every `foldBytes`, so the
 * page holds at most that much: the browser keeps a large Blob's contents outside the page
 * (Chromium pages them to disk).
 */
export class BlobSink implements ByteSink {
  readonly #type: string
  readonly #foldBytes: number
  #blob: Blob
  #parts: Uint8Array<ArrayBuffer>[] = []
  #pending = 0
  #done = false

  constructor(type = 'application/octet-stream', foldBytes = 8 * 1024 * 1024) {
    this.#type = type
    this.#foldBytes = foldBytes
    this.#blob = new Blob([], { type })
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#done) throw new Error('the backup sink is closed')
    this.#parts.push(bytes as Uint8Array<ArrayBuffer>)
    this.#pending += bytes.length
    if (this.#pending >= this.#foldBytes) this.#fold()
  }

  async close(): Promise<void> {
    this.#fold()
    this.#done = true
  }

  async abort(): Promise<void> {
    this.#parts = []
    this.#blob = new Blob([], { type: this.#type })
    this.#done = true
  }

  /** The bytes written so far (all of them once closed). */
  blob(): Blob {
    this.#fold()
    return this.#blob
  }

  #fold(): void {
    if (this.#parts.length === 0) return
    this.#blob = new Blob([this.#blob, ...this.#parts], { type: this.#type })
    this.#parts = []
    this.#pending = 0
  }
}

/** A sink that keeps every byte in memory; for tests and small exports. */
export class MemorySink implements ByteSink {
  readonly chunks: Uint8Array[] = []

  async write(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes.slice())
  }

  async close(): Promise<void> {}

  async abort(): Promise<void> {
    this.chunks.length = 0
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0))
    let at = 0
    for (const chunk of this.chunks) {
      out.set(chunk, at)
      at += chunk.length
    }
    return out
  }
}
