import { describe, expect, it } from 'vitest'
import type { ContactInput } from '../../src/crdt/contacts/contact-model.ts'
import { importVCardFileInBackground } from '../../src/vcard/contacts-vcard.ts'
import { importInBatches } from '../../src/crdt/contacts/import-batches.ts'
import { emptyContactBooks } from '../support/empty-contact-book.ts'

const emptyBook = emptyContactBooks()

const people = (n: number): ContactInput[] =>
  Array.from({ length: n }, (_, i) => ({
    given: `P${i}`,
    phones: [{ label: 'mobile', value: `+1 555 ${i}` }],
  }))

describe('batched import', () => {
  it('writes in batches sized to the time budget, reporting progress', async () => {
    const book = await emptyBook()
    // A clock on which writing a contact takes 2 ms: with a 40 ms budget, batches settle at 20,
    // growing from a small first batch by at most half each time.
    let clock = 0
    let stored = 0
    let changes = 0
    book.on('change', () => {
      changes++
      const count = book.search().length
      clock += (count - stored) * 2
      stored = count
    })
    const progress: number[] = []
    const result = await importInBatches(book, people(200), {
      budgetMs: 40,
      now: () => clock,
      pause: async () => {},
      onProgress: (done, total) => {
        progress.push(done)
        expect(total).toBe(200)
      },
    })
    expect(result).toMatchObject({ cancelled: false, skipped: 0 })
    expect(result.added).toHaveLength(200)
    expect(book.search()).toHaveLength(200)
    const sizes = progress.map((done, i) => done - (progress[i - 1] ?? 0))
    expect(sizes.slice(0, 4)).toEqual([10, 15, 20, 20])
    expect(progress[progress.length - 1]).toBe(200)
    expect(changes).toBe(progress.length)
  })

  it('starts with the first batch it is given (a worker starts bigger)', async () => {
    const book = await emptyBook()
    // Writing a contact takes 1 ms: a first batch of 50 fits a 200 ms budget, and the next
    // grow by half until the budget holds them.
    let clock = 0
    let stored = 0
    book.on('change', () => {
      const count = book.search().length
      clock += count - stored
      stored = count
    })
    const progress: number[] = []
    await importInBatches(book, people(400), {
      budgetMs: 200,
      firstBatch: 50,
      now: () => clock,
      pause: async () => {},
      onProgress: (done) => progress.push(done),
    })
    const sizes = progress.map((done, i) => done - (progress[i - 1] ?? 0))
    expect(sizes).toEqual([50, 75, 113, 162])
    expect(book.search()).toHaveLength(400)
  })

  it('stops at the next batch when cancelled, keeping what was written', async () => {
    const book = await emptyBook()
    const controller = new AbortController()
    const result = await importInBatches(book, people(500), {
      signal: controller.signal,
      pause: async () => {},
      onProgress: (done) => {
        if (done >= 50) controller.abort()
      },
    })
    expect(result.cancelled).toBe(true)
    expect(result.added.length).toBeGreaterThan(0)
    expect(result.added.length).toBeLessThan(500)
    expect(book.search()).toHaveLength(result.added.length)
  })

  it('imports a file in the background (in place where there are no workers)', async () => {
    const book = await emptyBook()
    const text = people(30)
      .map((p) => `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:${p.given}\r\nEND:VCARD\r\n`)
      .join('')
    let read = 0
    const outcome = await importVCardFileInBackground(book, text, { onRead: (n) => (read = n) })
    expect(read).toBe(30)
    expect(outcome).toMatchObject({ ok: true, cancelled: false, skipped: 0 })
    expect(book.search()).toHaveLength(30)
  })
})
