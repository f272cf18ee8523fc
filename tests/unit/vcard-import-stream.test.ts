import { describe, expect, it } from 'vitest'
import { ContactFeed } from '../../src/crdt/contacts/contact-feed.ts'
import type { ContactInput } from '../../src/crdt/contacts/contact-model.ts'
import { importInBatches } from '../../src/crdt/contacts/import-batches.ts'
import { importVCardFileInBackground } from '../../src/vcard/contacts-vcard.ts'
import { readVCards } from '../../src/vcard/vcard-read.ts'
import { streamVCards, VCardReceiver } from '../../src/vcard/vcard-stream.ts'
import {
  isParseReply,
  isParseRequest,
  type ParseReply,
} from '../../src/vcard/vcard-worker-protocol.ts'
import { emptyContactBooks } from '../support/empty-contact-book.ts'

const emptyBook = emptyContactBooks()

const card = (i: number, extra = '') =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person ${i}\r\nUID:u-${i}\r\nX-ODD:${i}\r\n${extra}END:VCARD\r\n`
const file = (n: number) => Array.from({ length: n }, (_, i) => card(i)).join('')
const people = (from: number, to: number): ContactInput[] =>
  Array.from({ length: to - from }, (_, k) => ({ given: `P${from + k}`, uid: `u-${from + k}` }))
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('a vCard file read in chunks', () => {
  it('announces the card count, then sends the cards in file order, chunk by chunk', () => {
    const replies: ParseReply[] = []
    streamVCards(file(23), (r) => replies.push(r), { first: 5, size: 10 })
    expect(replies.map((r) => (r.kind === 'cards' ? r.contacts.length : r.kind))).toEqual([
      'checked',
      5,
      10,
      8,
    ])
    expect(replies[0]).toEqual({ kind: 'checked', ok: true, total: 23 })
    const whole = readVCards(file(23))
    if (!whole.ok) throw new Error('the file should read')
    const cards = replies.flatMap((r) => (r.kind === 'cards' ? [r] : []))
    expect(cards.flatMap((r) => r.contacts)).toEqual(whole.contacts)
    expect(cards.flatMap((r) => r.unmapped)).toEqual(whole.unmapped)
    expect(replies.every(isParseReply)).toBe(true)
  })

  it('sends no card at all when any card is malformed, even the last', () => {
    const replies: ParseReply[] = []
    const text = file(30) + 'BEGIN:VCARD\r\nVERSION:9.9\r\nFN:Late\r\nEND:VCARD\r\n'
    streamVCards(text, (r) => replies.push(r), { first: 5, size: 10 })
    expect(replies).toHaveLength(1)
    expect(replies[0]).toMatchObject({ kind: 'checked', ok: false })
    const receiver = new VCardReceiver()
    receiver.receive(replies[0]!)
    return expect(receiver.started).resolves.toMatchObject({ ok: false })
  })

  it('takes the file’s text while it is still being read', async () => {
    const book = await emptyBook()
    const outcome = await importVCardFileInBackground(book, Promise.resolve(file(12)))
    expect(outcome).toMatchObject({
      ok: true,
      cancelled: false,
      unmapped: [{ name: 'X-ODD', count: 12 }],
    })
    expect(book.search()).toHaveLength(12)
  })

  it('checks the worker’s messages', () => {
    expect(isParseRequest({ v: 2, kind: 'parse', text: 'x' })).toBe(true)
    expect(isParseRequest({ v: 1, kind: 'parse', text: 'x' })).toBe(false)
    expect(isParseReply({ kind: 'checked', ok: true, total: 0 })).toBe(false)
    expect(isParseReply({ kind: 'cards', contacts: [{}], unmapped: [] })).toBe(false)
    expect(isParseReply({ kind: 'cards', contacts: [null], unmapped: [[]] })).toBe(false)
    expect(
      isParseReply({ kind: 'checked', ok: false, errors: [{ line: '1', message: 'm' }] }),
    ).toBe(false)
  })
})

describe('an import from contacts still arriving', () => {
  it('writes the first contacts before the rest arrive, all in file order', async () => {
    const book = await emptyBook()
    const feed = new ContactFeed(300)
    feed.push(people(0, 100))
    const progress: number[] = []
    const importing = importInBatches(book, feed, {
      firstBatch: 100,
      onProgress: (done) => progress.push(done),
    })
    for (let i = 0; i < 50 && progress.length === 0; i++) await tick()
    expect(progress).toEqual([100])
    expect(book.search()).toHaveLength(100)
    feed.push(people(100, 200))
    await tick()
    feed.push(people(200, 300))
    const result = await importing
    expect(result).toMatchObject({ cancelled: false, skipped: 0 })
    expect(result.ids.map((id) => book.get(id)?.uid)).toEqual(people(0, 300).map((p) => p.uid))
    expect(progress.at(-1)).toBe(300)
  })

  it('merges a card that repeats one of an earlier chunk', async () => {
    const book = await emptyBook()
    const feed = new ContactFeed(4)
    feed.push([
      { given: 'Ann', uid: 'a' },
      { given: 'Bob', emails: [{ label: '', value: 'bob@example.com' }] },
    ])
    const importing = importInBatches(book, feed, { firstBatch: 10 })
    await tick()
    feed.push([
      { given: 'Ann', uid: 'a', phones: [{ label: 'mobile', value: '+1 555 1' }] },
      { given: 'Bob', emails: [{ label: '', value: 'bob@example.com' }] },
    ])
    const result = await importing
    expect(result.added).toHaveLength(2)
    expect(result.updated).toEqual([result.ids[0]])
    expect(result.skipped).toBe(1)
    expect(result.ids).toEqual([result.ids[0], result.ids[1], result.ids[0], result.ids[1]])
    expect(book.search()).toHaveLength(2)
    expect(book.get(result.ids[0]!)?.phones.map((p) => p.value)).toEqual(['+1 555 1'])
  })

  it('stops when cancelled while waiting for more, keeping what was written', async () => {
    const book = await emptyBook()
    const feed = new ContactFeed(500)
    feed.push(people(0, 100))
    const controller = new AbortController()
    const importing = importInBatches(book, feed, {
      firstBatch: 100,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    })
    const result = await Promise.race([
      importing,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the import did not stop when cancelled')), 5000),
      ),
    ])
    expect(result).toMatchObject({ cancelled: true })
    expect(result.added).toHaveLength(100)
    expect(book.search()).toHaveLength(100)
  })

  it('fails when the rest of the file cannot be read, keeping what was written', async () => {
    const book = await emptyBook()
    const feed = new ContactFeed(200)
    feed.push(people(0, 100))
    const importing = importInBatches(book, feed, { firstBatch: 100 })
    await tick()
    feed.fail(new Error('The vCard reader stopped'))
    await expect(importing).rejects.toThrow('The vCard reader stopped')
    expect(book.search()).toHaveLength(100)
  })
})
