import type { DownloadSource } from './download-source.ts'
import type { Manifest } from './manifest.ts'
import { MAX_RANGE_LENGTH, MAX_RANGES, type ChunkRange } from './transfer-protocol.ts'

/**
 * The chunks of a download nobody has been asked for yet, and the handing of them to holders:
 * each holder takes what it holds, up to the bytes its window has free, and gives back what it
 * was asked for when it is dropped.
 */
export class ChunkPool {
  readonly #manifest: Manifest
  readonly #pending = new Set<number>()
  #bytes = 0

  constructor(manifest: Manifest) {
    this.#manifest = manifest
  }

  /** Bytes of the chunks waiting to be asked for. */
  get bytes(): number {
    return this.#bytes
  }

  add(index: number): void {
    if (this.#pending.has(index)) return
    this.#pending.add(index)
    this.#bytes += this.#manifest.chunkLength(index)
  }

  /** Moves chunks the source holds, up to `free` bytes (one at least), to the source. */
  take(source: DownloadSource, free: number): number[] {
    const picked: number[] = []
    let bytes = 0
    for (const index of this.#pending) {
      const length = this.#manifest.chunkLength(index)
      if (bytes + length > free && picked.length > 0) break
      if (!source.have?.has(index)) continue
      picked.push(index)
      bytes += length
    }
    for (const index of picked) {
      this.#pending.delete(index)
      source.asked.add(index)
    }
    this.#bytes -= bytes
    source.outstanding += bytes
    return picked
  }

  /** A chunk asked of `source` came, or will not: it no longer counts against its window. */
  settle(source: DownloadSource, index: number): void {
    source.outstanding -= this.#manifest.chunkLength(index)
  }

  /** Everything asked of the source and not arrived goes back to the pool. */
  release(source: DownloadSource): void {
    for (const index of source.asked) {
      this.add(index)
      this.settle(source, index)
    }
    source.asked.clear()
  }
}

/** Sorted chunk indices as request ranges, in messages of at most MAX_RANGES ranges. */
export function toRanges(indices: readonly number[]): ChunkRange[][] {
  const sorted = [...indices].sort((a, b) => a - b)
  const ranges: ChunkRange[] = []
  for (const index of sorted) {
    const last = ranges[ranges.length - 1]
    if (last && last.start + last.length === index && last.length < MAX_RANGE_LENGTH) last.length++
    else ranges.push({ start: index, length: 1 })
  }
  const messages: ChunkRange[][] = []
  for (let i = 0; i < ranges.length; i += MAX_RANGES) messages.push(ranges.slice(i, i + MAX_RANGES))
  return messages
}
