import { describe, expect, it } from 'vitest'
import type { ChunkStore } from '../../src/files/chunk-store.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import { SourcePace } from '../../src/files/source-pace.ts'
import { until } from '../support/until.ts'
import { connect, openAccess, randomBytes, testDevice, trackedDevices } from './files-harness.ts'

const SCOPE = 'wp-slow'
const CHUNK = 16 * 1024
const devices = trackedDevices()

/**
 * A holder's store that hands out one chunk every `ms`, one after another: what a holder on a
 * slow path looks like from the downloader (chunks come, but far apart).
 */
function oneAtATime(inner: ChunkStore, ms: number): ChunkStore {
  let free = Promise.resolve()
  return {
    ...inner,
    getChunk: (hash) => {
      const turn = free.then(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))
      free = turn
      return turn.then(() => inner.getChunk(hash))
    },
  }
}

describe('a download from a holder on a slow path', () => {
  it('waits as long as the holder takes per chunk, rather than dropping it again and again', async () => {
    const holder = await testDevice({
      chunkSize: CHUNK,
      store: oneAtATime(createMemoryChunkStore(), 400),
    })
    // A stall time shorter than one chunk's trip: a fixed one dropped this holder before any
    // chunk came, threw away what it was sending, and asked again, never finishing.
    const fetcher = await testDevice({
      chunkSize: CHUNK,
      download: { windowBytes: 8 * CHUNK, retryMs: 100, stallMs: 250 },
    })
    devices.push(holder, fetcher)
    holder.files.serveScope(SCOPE, openAccess)
    await connect(holder, fetcher)
    const original = randomBytes(6 * CHUNK, 3)
    const { fileId } = await holder.files.add(new Blob([original as BlobPart]))
    const download = fetcher.files.download(fileId, SCOPE, {
      candidates: () => [holder.peer],
      onChange: () => () => {},
    })
    const states = new Set<string>()
    download.on('change', () => {
      for (const source of download.progress().sources) states.add(source.state)
    })
    await until(() => download.progress().state === 'complete', 'the download to finish', 15_000)
    expect(download.progress().bytesDone).toBe(original.length)
    expect([...states]).not.toContain('stalled')
  })
})

describe('SourcePace', () => {
  const pace = () => new SourcePace({ maxWindow: 8 * 1024 * 1024, stallMs: 10_000 })
  const CHUNK_BYTES = 256 * 1024

  it('asks two chunks of a holder not measured yet, and waits for the first as if at 64 kbit/s', () => {
    const p = pace()
    expect(p.window(CHUNK_BYTES)).toBe(2 * CHUNK_BYTES)
    expect(p.stallAfter(CHUNK_BYTES)).toBe(CHUNK_BYTES / 8)
  })

  it('keeps a few seconds of a fast holder asked, up to the most allowed', () => {
    const p = pace()
    p.arrived(CHUNK_BYTES, 10)
    expect(p.window(CHUNK_BYTES)).toBe(8 * 1024 * 1024)
    expect(p.stallAfter(CHUNK_BYTES)).toBe(10_000)
  })

  it('asks little of a slow holder and waits longer for it; a stall slows it further', () => {
    const p = pace()
    // 256 KiB in 16 s: 16 KiB/s.
    p.arrived(CHUNK_BYTES, 16_000)
    expect(p.bytesPerSecond).toBeCloseTo(16_384, 0)
    expect(p.window(CHUNK_BYTES)).toBe(2 * CHUNK_BYTES)
    expect(p.stallAfter(CHUNK_BYTES)).toBeCloseTo(48_000, 0)
    p.stalled()
    expect(p.stallAfter(CHUNK_BYTES)).toBeCloseTo(4 * 48_000, 0)
  })

  it('after a stall, measures on from the quartered pace', () => {
    const p = pace()
    p.arrived(CHUNK_BYTES, 16_000)
    p.stalled()
    expect(p.bytesPerSecond).toBeCloseTo(16_384 / 4, 0)
    // The next chunk, 16 s after the holder was asked again.
    p.arrived(CHUNK_BYTES, 16_000)
    expect(p.bytesPerSecond).toBeCloseTo(16_384 / 4 + 0.3 * (16_384 - 16_384 / 4), 0)
  })
})
