import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileKeyStore, createFileWorkplaceList } from '../../keeper/file-stores.ts'
import { createFsChunkStore } from '../../keeper/fs-chunk-store.ts'
import { parseBytes } from '../../keeper/keeper-status.ts'
import type { HashHex } from '../../src/files/hashing.ts'
import { loadOrCreateIdentity } from '../../src/peer/identity/load-identity.ts'

// The keeper's data folder: what it writes must be there, whole, after a restart or a crash.

const folders: string[] = []
async function folder(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'keeper-storage-'))
  folders.push(path)
  return path
}
afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })))
})

const hashOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex') as HashHex

describe('the keeper chunk folder', () => {
  it('keeps chunks, manifests and records across a reopen', async () => {
    const dir = await folder()
    const chunk = new Uint8Array([1, 2, 3, 4])
    const hash = hashOf(chunk)
    const first = await createFsChunkStore(dir)
    await first.putChunk(hash, chunk)
    await first.putManifest(hash, new Uint8Array([9]))
    const record = { fileId: hash, size: 4, chunks: 1, count: 1, wanted: false, updatedAt: 5 }
    await first.putRecord(record)

    const second = await createFsChunkStore(dir)
    expect(await second.getChunk(hash)).toEqual(chunk)
    expect(await second.hasChunks([hash, hashOf(new Uint8Array([0]))])).toEqual([true, false])
    expect(await second.chunkHashes()).toEqual([hash])
    expect(await second.getManifest(hash)).toEqual(new Uint8Array([9]))
    expect(await second.records()).toEqual([record])
    await second.deleteFile(hash)
    await second.deleteChunks([hash])
    expect(await second.records()).toEqual([])
    expect(await second.getChunk(hash)).toBeUndefined()
  })

  it('drops what a crash left under a temporary name and never names a path by a non-hash', async () => {
    const dir = await folder()
    const chunk = new Uint8Array([7, 7])
    const hash = hashOf(chunk)
    // A write cut short: the temporary file exists, the chunk's own name does not.
    await mkdir(join(dir, 'chunks', hash.slice(0, 2)), { recursive: true })
    await writeFile(join(dir, 'chunks', hash.slice(0, 2), `${hash}.abc123.tmp`), chunk.slice(0, 1))
    const store = await createFsChunkStore(dir)
    expect(await store.getChunk(hash)).toBeUndefined()
    expect(await readdir(join(dir, 'chunks', hash.slice(0, 2)))).toEqual([])
    await expect(store.getChunk('../identity.bin' as HashHex)).rejects.toThrow(/SHA-256/)
  })
})

describe('the keeper identity and workplace list', () => {
  it('keeps the same peer ID across restarts', async () => {
    const dir = await folder()
    const first = await loadOrCreateIdentity(await createFileKeyStore(dir), { subtle: null })
    const again = await loadOrCreateIdentity(await createFileKeyStore(dir), { subtle: null })
    expect(again.peerId).toBe(first.peerId)
    const entry = { id: 'w1', rootUrl: 'automerge:x', name: 'Acme', addedAt: 1 }
    await (await createFileWorkplaceList(dir)).put(entry)
    expect(await (await createFileWorkplaceList(dir)).all()).toEqual([entry])
  })

  it('reads sizes as --storage takes them', () => {
    expect(parseBytes('20GB')).toBe(20e9)
    expect(parseBytes('1.5 mb')).toBe(1.5e6)
    expect(parseBytes('512')).toBe(512)
    expect(() => parseBytes('lots')).toThrow(/not a size/)
  })
})
