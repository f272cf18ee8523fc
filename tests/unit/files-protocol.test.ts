import { describe, expect, it } from 'vitest'
import { Bitmap } from '../../src/files/bitmap.ts'
import { toRanges } from '../../src/files/chunk-pool.ts'
import { toHex, type HashHex } from '../../src/files/hashing.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import { importBlob } from '../../src/files/import-blob.ts'
import { fileIdOf, Manifest } from '../../src/files/manifest.ts'
import {
  decodeFilesMessage,
  encodeFilesMessage,
  FILES_PROTOCOL_VERSION,
  type FilesMessage,
} from '../../src/files/transfer-protocol.ts'
import { randomBytes, sha256 } from './files-harness.ts'

const id = (n: number) => toHex(new Uint8Array(32).fill(n))

describe('the file transfer protocol', () => {
  const messages: FilesMessage[] = [
    { type: 'open', requestId: 7, fileId: id(1), scope: 'workplace-1', wantManifest: true },
    {
      type: 'opened',
      requestId: 7,
      fileId: id(1),
      count: 10,
      bitmap: Uint8Array.of(0xff, 0xc0),
      manifest: Uint8Array.of(1, 2, 3),
    },
    {
      type: 'opened',
      requestId: 8,
      fileId: id(1),
      count: 0,
      bitmap: new Uint8Array(0),
      manifest: null,
    },
    { type: 'refused', requestId: 7, fileId: id(2), code: 'not-member', detail: 'no' },
    {
      type: 'request',
      fileId: id(3),
      ranges: [
        { start: 0, length: 4 },
        { start: 9, length: 1 },
      ],
    },
    { type: 'chunk', fileId: id(4), index: 3, hash: id(5), data: randomBytes(100) },
    { type: 'missing', fileId: id(4), index: 2 },
    { type: 'cancel', fileId: id(4) },
  ]

  it('round-trips every message', () => {
    for (const message of messages) {
      expect(decodeFilesMessage(encodeFilesMessage(message))).toEqual(message)
    }
  })

  it('rejects truncated, trailing, unknown and out-of-range messages without throwing', () => {
    const open = encodeFilesMessage(messages[0]!)
    const request = encodeFilesMessage(messages[4]!)
    const bad: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /truncated/],
      [Uint8Array.of(FILES_PROTOCOL_VERSION + 1, 1), /version/],
      [Uint8Array.of(FILES_PROTOCOL_VERSION, 99), /unknown message type/],
      [open.subarray(0, open.length - 3), /truncated|scope/],
      [Uint8Array.of(...request, 0), /trailing/],
      [Uint8Array.of(...encodeFilesMessage(messages[6]!).subarray(0, 20)), /truncated/],
    ]
    // A range of zero chunks and one past the last index.
    const zero = request.slice()
    zero.set([0, 0, 0, 0], 2 + 32 + 1 + 4)
    bad.push([zero, /range length/])
    for (const [bytes, reason] of bad) {
      const result = decodeFilesMessage(bytes)
      expect(result).toBeInstanceOf(Error)
      expect((result as Error).message).toMatch(reason)
    }
  })

  it('packs chunk indices into ranges', () => {
    expect(toRanges([5, 1, 2, 3, 9, 10])).toEqual([
      [
        { start: 1, length: 3 },
        { start: 5, length: 1 },
        { start: 9, length: 2 },
      ],
    ])
    expect(toRanges(Array.from({ length: 600 }, (_, i) => i * 2)).map((m) => m.length)).toEqual([
      255, 255, 90,
    ])
  })
})

describe('manifests and file IDs', () => {
  it('cut a file into chunks whose hashes the manifest lists; the ID covers sizes and hashes', async () => {
    const store = createMemoryChunkStore()
    const bytes = randomBytes(10_000, 2)
    const { fileId, manifest } = await importBlob(new Blob([bytes as BlobPart]), {
      store,
      sha256,
      chunkSize: 4096,
    })
    expect(manifest.count).toBe(3)
    expect([0, 1, 2].map((i) => manifest.chunkLength(i))).toEqual([4096, 4096, 1808])
    expect(manifest.hashHex(2)).toBe(toHex(await sha256(bytes.subarray(8192))))
    expect(await store.getChunk(manifest.hashHex(1))).toEqual(bytes.subarray(4096, 8192))
    expect(fileId).toBe(await fileIdOf(manifest, sha256))
    const decoded = Manifest.decode(manifest.encode())
    expect(decoded).toBeInstanceOf(Manifest)
    expect((decoded as Manifest).hashes).toEqual(manifest.hashes)
    const other = await importBlob(new Blob([bytes as BlobPart]), {
      store,
      sha256,
      chunkSize: 2048,
    })
    expect(other.fileId).not.toBe(fileId)
    expect(await store.getRecord(fileId)).toMatchObject({ chunks: 3, count: 3, size: 10_000 })
  })

  it('refuses manifests whose hashes do not match the size', () => {
    const encoded = new Manifest(5000, 4096, new Uint8Array(64)).encode()
    expect(Manifest.decode(encoded.subarray(0, encoded.length - 32))).toBeInstanceOf(Error)
    expect(Manifest.decode(Uint8Array.of(9, ...encoded.subarray(1)))).toBeInstanceOf(Error)
    expect(() => new Manifest(5000, 100, new Uint8Array(64))).toThrow(/chunk size/)
  })

  it('an empty file has no chunks and a stable ID', async () => {
    const store = createMemoryChunkStore()
    const a = await importBlob(new Blob([]), { store, sha256 })
    const b = await importBlob(new Blob([]), { store, sha256 })
    expect(a.manifest.count).toBe(0)
    expect(a.fileId).toBe(b.fileId as HashHex)
  })
})

describe('bitmaps', () => {
  it('set, clear and count bits, most significant first', () => {
    const bitmap = new Bitmap(10)
    bitmap.set(0)
    bitmap.set(9)
    bitmap.set(42)
    expect([...bitmap.bytes]).toEqual([0x80, 0x40])
    expect(bitmap.count()).toBe(2)
    bitmap.clear(0)
    expect(bitmap.has(0)).toBe(false)
    expect(Bitmap.full(10).count()).toBe(10)
    expect(() => new Bitmap(10, new Uint8Array(1))).toThrow()
  })
})
