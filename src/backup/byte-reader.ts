/** Reads exact byte counts from a stream of chunks of any size. */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>
  #head: Uint8Array = new Uint8Array(0)
  #ended = false
  /** Bytes consumed so far (the offset of the next byte). */
  offset = 0

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]()
  }

  /**
   * Exactly `count` bytes, or fewer only at the end of the stream. A view into the source's
   * piece when the bytes lie in one; otherwise only these bytes are copied together.
   */
  async read(count: number): Promise<Uint8Array> {
    if (this.#head.length >= count) return this.#consume(count)
    const parts: Uint8Array[] = [this.#head]
    let have = this.#head.length
    while (have < count && !this.#ended) {
      const next = await this.#source.next()
      if (next.done) this.#ended = true
      else if (next.value.length > 0) {
        parts.push(next.value)
        have += next.value.length
      }
    }
    const size = Math.min(count, have)
    const out = new Uint8Array(size)
    let at = 0
    for (const part of parts) {
      const used = Math.min(part.length, size - at)
      out.set(part.subarray(0, used), at)
      at += used
      // What is left of the last piece is the new head, not copied.
      if (used < part.length) this.#head = part.subarray(used)
      else this.#head = new Uint8Array(0)
      if (at === size && used < part.length) break
    }
    this.offset += size
    return out
  }

  /** Whether the stream has no more bytes. */
  async atEnd(): Promise<boolean> {
    if (this.#head.length > 0) return false
    const probe = await this.read(1)
    if (probe.length === 0) return true
    this.#head = probe
    this.offset -= 1
    return false
  }

  async cancel(): Promise<void> {
    await this.#source.return?.()
  }

  #consume(count: number): Uint8Array {
    const out = this.#head.subarray(0, count)
    this.#head = this.#head.subarray(count)
    this.offset += count
    return out
  }
}

/**
 * A Blob's (or File's) bytes as an async iterable, read piece by piece: the next piece is read
 * while the caller works on this one.
 */
export async function* blobChunks(blob: Blob, pieceBytes = 4 * 1024 * 1024) {
  const read = (at: number) => {
    const piece = blob.slice(at, at + pieceBytes).arrayBuffer()
    // Left unread if the caller stops early: not an unhandled failure then.
    piece.catch(() => {})
    return piece
  }
  let next = blob.size > 0 ? read(0) : undefined
  for (let at = 0; next; at += pieceBytes) {
    const piece = await next
    next = at + pieceBytes < blob.size ? read(at + pieceBytes) : undefined
    yield new Uint8Array(piece)
  }
}
