/**
 * The contracts of the small stores a workplace keeps beside its documents, in memory or in
 * IndexedDB: the workplace list (src/crdt/workplace/workplace-list.ts), the signed membership
 * records (src/crdt/membership/record-store.ts) and the chat summaries
 * (src/crdt/workplace/summary-store.ts). Each keeps one value per key, copied in and out.
 */
import { describe, expect, it } from 'vitest'
import type { RecordStore } from '../../src/crdt/membership/record-store.ts'
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import type { SummaryStore, WorkplaceSummary } from '../../src/crdt/workplace/summary-store.ts'
import type { WorkplaceEntry, WorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'

const byId = <T extends { id: string }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))

export function describeWorkplaceListContract(name: string, open: () => Promise<WorkplaceList>) {
  describe(`WorkplaceList contract: ${name}`, () => {
    const entry = (id: string, fields: Partial<WorkplaceEntry> = {}): WorkplaceEntry => ({
      id,
      rootUrl: `automerge:${id}`,
      name: `Workplace ${id}`,
      addedAt: 1,
      ...fields,
    })

    it('lists what was put, one entry per ID, and forgets what was deleted', async () => {
      const list = await open()
      expect(await list.all()).toEqual([])
      const a = entry('a')
      await list.put(a)
      await list.put(entry('b'))
      a.name = 'changed after put'
      await list.put(entry('b', { name: 'Renamed' }))
      expect(byId(await list.all())).toEqual([entry('a'), entry('b', { name: 'Renamed' })])
      await list.delete('a')
      await list.delete('never there')
      expect(await list.all()).toEqual([entry('b', { name: 'Renamed' })])
    })
  })
}

export function describeRecordStoreContract(name: string, open: () => Promise<RecordStore>) {
  describe(`RecordStore contract: ${name}`, () => {
    const record = (n: number) => ({ n, s: `signature ${n}` }) as unknown as SignedRecord

    it('keeps records per workplace, one per ID, as they were put', async () => {
      const store = await open()
      expect(await store.all('w1')).toEqual([])
      const first = record(1)
      await store.put('w1', 'r1', first)
      await store.put('w1', 'r2', record(2))
      await store.put('w2', 'r1', record(3))
      ;(first as unknown as { n: number }).n = 99
      await store.put('w1', 'r2', record(4))
      expect(byId(await store.all('w1'))).toEqual([
        { id: 'r1', record: record(1) },
        { id: 'r2', record: record(4) },
      ])
      expect(await store.all('w2')).toEqual([{ id: 'r1', record: record(3) }])
      expect(await store.all('w3')).toEqual([])
    })
  })
}

export function describeSummaryStoreContract(name: string, open: () => Promise<SummaryStore>) {
  describe(`SummaryStore contract: ${name}`, () => {
    const summary = (id: string, unread = 0): WorkplaceSummary => ({
      id,
      last: { at: 5, author: 'Ann', preview: `Hello from ${id}` },
      unread,
    })

    it('keeps one summary per workplace, as put, and forgets a deleted one', async () => {
      const store = await open()
      expect(await store.all()).toEqual([])
      const a = summary('a')
      await store.put(a)
      a.last!.preview = 'changed after put'
      await store.put(summary('b'))
      await store.put(summary('b', 3))
      await store.put({ id: 'c', unread: 0 })
      expect(byId(await store.all())).toEqual([
        summary('a'),
        summary('b', 3),
        { id: 'c', unread: 0 },
      ])
      await store.delete('b')
      expect(byId(await store.all())).toEqual([summary('a'), { id: 'c', unread: 0 }])
    })

    it('lands writes in the order they were asked for, sealed or not', async () => {
      const store = await open()
      // Not awaited one by one, as the chat's summaries are written and a left workplace's deleted.
      const writes = [store.put(summary('a', 1)), store.put(summary('a', 2))]
      writes.push(store.put(summary('gone')), store.delete('gone'))
      await Promise.all(writes)
      expect(byId(await store.all())).toEqual([summary('a', 2)])
    })
  })
}
