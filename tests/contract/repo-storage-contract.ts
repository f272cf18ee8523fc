/**
 * The contract of automerge-repo storage adapters (StorageAdapterInterface) as the app's repos
 * use them. It mirrors automerge-repo's own acceptance suite (runStorageAdapterTests in
 * @automerge/automerge-repo/helpers/tests/storage-adapter-tests.js, 2.5) test by test, with
 * two differences:
 * - loadRange's order is not part of the contract. Upstream's suite expects insertion order,
 *   which IndexedDB (its own IndexedDBStorageAdapter included) does not keep: it answers in key
 *   order. The repo's StorageSubsystem needs no order (it takes snapshots, then incremental
 *   chunks, and Automerge applies changes in any order), so results are compared by key.
 * - The large payload is compared byte for byte as one buffer: the deep equality of 100,000
 *   numbers took seconds a test.
 * It adds what the app relies on besides: a prefix matches whole key parts only, and a value
 * reads back unchanged after the same key is written in another document.
 */
import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'
import { describe, expect, it } from 'vitest'

export type OpenRepoStorage = () => Promise<StorageAdapterInterface>

const PAYLOAD_A = () => new Uint8Array([0, 1, 127, 99, 154, 235])
const PAYLOAD_B = () => new Uint8Array([1, 76, 160, 53, 57, 10, 230])
const PAYLOAD_C = () => new Uint8Array([2, 111, 74, 131, 236, 96, 142, 193])
const LARGE_PAYLOAD = new Uint8Array(100_000).map((_, i) => (i * 7919 + (i >> 8)) % 256)

/** Chunks in key order, as plain arrays, so any adapter's order compares alike. */
function byKey(chunks: Chunk[]): { key: StorageKey; data: number[] | undefined }[] {
  return chunks
    .map(({ key, data }) => ({ key: [...key], data: data && [...data] }))
    .sort((a, b) => (a.key.join('/') < b.key.join('/') ? -1 : 1))
}

const chunk = (key: StorageKey, data: Uint8Array) => ({ key, data })

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b))
}

export function describeRepoStorageContract(name: string, open: OpenRepoStorage): void {
  describe(`automerge-repo storage contract: ${name}`, () => {
    const storage = open

    // upstream: load / should return undefined if there is no data
    it('loads nothing where nothing was saved', async () => {
      const s = await storage()
      expect(await s.load(['AAAAA', 'sync-state', 'xxxxx'])).toBeUndefined()
    })

    // upstream: save and load / should return data that was saved, ...with composite keys
    it('loads what was saved, under simple and composite keys', async () => {
      const s = await storage()
      await s.save(['storage-adapter-id'], PAYLOAD_A())
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_B())
      expect(await s.load(['storage-adapter-id'])).toEqual(PAYLOAD_A())
      expect(await s.load(['AAAAA', 'sync-state', 'xxxxx'])).toEqual(PAYLOAD_B())
    })

    // upstream: save and load / should work with a large payload
    it('loads a large payload byte for byte', async () => {
      const s = await storage()
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], LARGE_PAYLOAD)
      const loaded = await s.load(['AAAAA', 'sync-state', 'xxxxx'])
      expect(loaded?.length).toBe(LARGE_PAYLOAD.length)
      expect(sameBytes(loaded, LARGE_PAYLOAD)).toBe(true)
    })

    // upstream: loadRange / should return an empty array if there is no data
    it('loads an empty range where nothing was saved', async () => {
      const s = await storage()
      expect(await s.loadRange(['AAAAA'])).toEqual([])
    })

    // upstream: save and loadRange / should return all the data that matches the key
    it('loads every chunk under a prefix, at any depth', async () => {
      const s = await storage()
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A())
      await s.save(['AAAAA', 'snapshot', 'yyyyy'], PAYLOAD_B())
      await s.save(['AAAAA', 'sync-state', 'zzzzz'], PAYLOAD_C())
      expect(byKey(await s.loadRange(['AAAAA']))).toEqual(
        byKey([
          chunk(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A()),
          chunk(['AAAAA', 'snapshot', 'yyyyy'], PAYLOAD_B()),
          chunk(['AAAAA', 'sync-state', 'zzzzz'], PAYLOAD_C()),
        ]),
      )
      expect(byKey(await s.loadRange(['AAAAA', 'sync-state']))).toEqual(
        byKey([
          chunk(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A()),
          chunk(['AAAAA', 'sync-state', 'zzzzz'], PAYLOAD_C()),
        ]),
      )
    })

    // upstream: save and loadRange / should only load values that match they key
    it('loads only the chunks under the prefix, whole key parts only', async () => {
      const s = await storage()
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A())
      await s.save(['BBBBB', 'sync-state', 'zzzzz'], PAYLOAD_C())
      await s.save(['AAAAAB', 'sync-state', 'xxxxx'], PAYLOAD_B())
      await s.save(['AAAAA', 'sync-stateX', 'xxxxx'], PAYLOAD_B())
      expect(byKey(await s.loadRange(['AAAAA', 'sync-state']))).toEqual(
        byKey([chunk(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A())]),
      )
      expect((await s.loadRange(['AAAAA'])).map((c) => c.key.join('/')).sort()).toEqual([
        'AAAAA/sync-state/xxxxx',
        'AAAAA/sync-stateX/xxxxx',
      ])
    })

    // upstream: save and remove / after removing, should be empty
    it('forgets a removed key', async () => {
      const s = await storage()
      await s.save(['AAAAA', 'snapshot', 'xxxxx'], PAYLOAD_A())
      await s.remove(['AAAAA', 'snapshot', 'xxxxx'])
      expect(await s.loadRange(['AAAAA'])).toEqual([])
      expect(await s.load(['AAAAA', 'snapshot', 'xxxxx'])).toBeUndefined()
    })

    // upstream: save and save / should overwrite data saved with the same key
    it('overwrites a key saved again, leaving others alone', async () => {
      const s = await storage()
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A())
      await s.save(['BBBBB', 'sync-state', 'xxxxx'], PAYLOAD_C())
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_B())
      expect(byKey(await s.loadRange(['AAAAA', 'sync-state']))).toEqual(
        byKey([chunk(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_B())]),
      )
      expect(await s.load(['BBBBB', 'sync-state', 'xxxxx'])).toEqual(PAYLOAD_C())
    })

    // upstream: removeRange / should remove a range of records, ...not remove records that don't match
    it('removes a range and only that range', async () => {
      const s = await storage()
      await s.save(['AAAAA', 'sync-state', 'xxxxx'], PAYLOAD_A())
      await s.save(['AAAAA', 'snapshot', 'yyyyy'], PAYLOAD_B())
      await s.save(['AAAAA', 'sync-state', 'zzzzz'], PAYLOAD_C())
      await s.save(['BBBBB', 'sync-state', 'zzzzz'], PAYLOAD_B())
      await s.removeRange(['AAAAA', 'sync-state'])
      expect(byKey(await s.loadRange(['AAAAA']))).toEqual(
        byKey([chunk(['AAAAA', 'snapshot', 'yyyyy'], PAYLOAD_B())]),
      )
      await s.removeRange(['AAAAA'])
      expect(await s.loadRange(['AAAAA'])).toEqual([])
      expect(byKey(await s.loadRange(['BBBBB']))).toEqual(
        byKey([chunk(['BBBBB', 'sync-state', 'zzzzz'], PAYLOAD_B())]),
      )
    })
  })
}
