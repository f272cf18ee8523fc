/**
 * The contract of ChunkStores (src/files/chunk-store.ts): content-addressed chunks, manifests
 * and per-file records, each kept apart, copied on write, and still there when read again.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ChunkStore, LocalFileRecord } from '../../src/files/chunk-store.ts'
import type { HashHex } from '../../src/files/hashing.ts'

const hash = (n: number) => n.toString(16).padStart(64, '0') as HashHex

function record(n: number, fields: Partial<LocalFileRecord> = {}): LocalFileRecord {
  return {
    fileId: hash(n),
    size: 10 * n,
    chunks: 1,
    count: 2,
    wanted: true,
    updatedAt: n,
    ...fields,
  }
}

export function describeChunkStoreContract(name: string, open: () => Promise<ChunkStore>): void {
  describe(`ChunkStore contract: ${name}`, () => {
    const stores: ChunkStore[] = []
    const store = async () => {
      const made = await open()
      stores.push(made)
      return made
    }
    afterEach(() => {
      for (const s of stores.splice(0)) s.close()
    })

    it('stores chunks by hash and answers which it holds', async () => {
      const s = await store()
      const bytes = Uint8Array.of(1, 2, 3)
      await s.putChunk(hash(1), bytes)
      bytes.fill(0)
      expect(await s.getChunk(hash(1))).toEqual(Uint8Array.of(1, 2, 3))
      expect(await s.getChunk(hash(2))).toBeUndefined()
      expect(await s.hasChunks([hash(2), hash(1)])).toEqual([false, true])
      await Promise.all([
        s.putChunk(hash(2), Uint8Array.of(4)),
        s.putChunk(hash(3), Uint8Array.of(5)),
      ])
      expect((await s.chunkHashes()).sort()).toEqual([hash(1), hash(2), hash(3)])
      await s.deleteChunks([hash(1), hash(3), hash(9)])
      expect(await s.chunkHashes()).toEqual([hash(2)])
      expect(await s.getChunk(hash(1))).toBeUndefined()
    })

    it('writes the same chunk twice as one', async () => {
      const s = await store()
      await s.putChunk(hash(1), Uint8Array.of(7))
      await s.putChunk(hash(1), Uint8Array.of(7))
      expect(await s.chunkHashes()).toEqual([hash(1)])
    })

    it('keeps manifests and records per file, apart from chunks', async () => {
      const s = await store()
      await s.putManifest(hash(1), Uint8Array.of(9, 9))
      await s.putRecord(record(1))
      await s.putRecord(record(2, { wanted: false }))
      expect(await s.getManifest(hash(1))).toEqual(Uint8Array.of(9, 9))
      expect(await s.getChunk(hash(1))).toBeUndefined()
      expect(await s.getRecord(hash(2))).toEqual(record(2, { wanted: false }))
      await s.putRecord(record(2, { chunks: 2 }))
      expect((await s.records()).sort((a, b) => a.updatedAt - b.updatedAt)).toEqual([
        record(1),
        record(2, { chunks: 2 }),
      ])
    })

    it('deleting a file removes its record and manifest but not its chunks', async () => {
      const s = await store()
      await s.putChunk(hash(5), Uint8Array.of(1))
      await s.putManifest(hash(1), Uint8Array.of(2))
      await s.putRecord(record(1))
      await s.deleteFile(hash(1))
      expect(await s.getRecord(hash(1))).toBeUndefined()
      expect(await s.getManifest(hash(1))).toBeUndefined()
      expect(await s.records()).toEqual([])
      expect(await s.chunkHashes()).toEqual([hash(5)])
    })
  })
}
