import { describe, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import { watchChatNotifications, type Notifier } from '../../src/crdt/chat/chat-notifications.ts'
import { MAX_MESSAGE_BYTES } from '../../src/crdt/chat/chat-doc.ts'
import { HybridClock, compareHlc, formatHlc, isHlc } from '../../src/crdt/chat/hlc.ts'
import { readMessage, type ChatMessage } from '../../src/crdt/chat/message-view.ts'
import { receiptLabel, type ReceiptView } from '../../src/crdt/chat/receipt-view.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import type { Judge } from '../../src/crdt/authorship/authorship.ts'
import { Emitter } from '../../src/lib/emitter.ts'
import { splitLinks } from '../../src/ui/chat/link-text.ts'

const ANN = 'a'.repeat(32) as PeerId
const BOB = 'b'.repeat(32) as PeerId
const s = (v: string) => new ImmutableString(v)
/** How the chat judges records of a workplace from before records were signed. */
const legacy: Judge = (_claim, proof) => (proof === undefined ? 'unsigned' : 'forged')

describe('hybrid logical clock', () => {
  it('runs ahead of everything it issued or observed, and orders as strings', () => {
    let now = 1_000
    const clock = new HybridClock(() => now)
    const t1 = clock.next()
    const t2 = clock.next()
    expect(t1).toBe(formatHlc(1000, 0))
    expect(t2).toBe(formatHlc(1000, 1))
    clock.observe(formatHlc(5000, 7))
    const t3 = clock.next()
    expect(t3).toBe(formatHlc(5000, 8))
    now = 9000
    expect(clock.next()).toBe(formatHlc(9000, 0))
    expect(compareHlc(formatHlc(999, 9999), formatHlc(1000, 0))).toBeLessThan(0)
    // A peer whose clock is days ahead does not drag ours along.
    clock.observe(formatHlc(9000 + 3 * 24 * 3600_000, 0))
    expect(clock.next()).toBe(formatHlc(9000, 1))
    expect(isHlc('1.2')).toBe(false)
  })
})

describe('reading stored messages', () => {
  const base = () => ({ a: s(ANN), t: s(formatHlc(5, 0)), x: s('hi'), ed: {}, del: {}, re: {} })

  it('refuses malformed messages with a reason', () => {
    expect(readMessage('short', base(), '0.0', legacy)).toBe('malformed message ID')
    expect(readMessage('a'.repeat(16), { ...base(), a: s('nobody') }, '0.0', legacy)).toBe(
      'malformed author',
    )
    expect(readMessage('a'.repeat(16), { ...base(), t: 12 }, '0.0', legacy)).toBe(
      'malformed timestamp',
    )
    expect(
      readMessage(
        'a'.repeat(16),
        { ...base(), x: s('x'.repeat(MAX_MESSAGE_BYTES + 1)) },
        '0.0',
        legacy,
      ),
    ).toBe('malformed or oversized text')
    expect(readMessage('a'.repeat(16), { ...base(), r: s('a'.repeat(16)) }, '0.0', legacy)).toBe(
      'malformed reply',
    )
    expect(readMessage('a'.repeat(16), null, '0.0', legacy)).toBe('not an object')
  })

  it('applies only the author’s edit and deletion, and counts valid reactions', () => {
    const m = {
      ...base(),
      ed: { [BOB]: { x: s('forged'), t: s(formatHlc(9, 0)) } },
      del: { [BOB]: s(formatHlc(9, 0)) },
      re: { [`${BOB} 👍`]: true, [`${ANN} 👍`]: true, 'nobody 👍': true, [`${ANN} a b`]: true },
    }
    const read = readMessage('a'.repeat(16), m, '0.0', legacy) as ChatMessage
    expect(read).toMatchObject({ text: 'hi', edited: false, deleted: false })
    expect(read.reactions).toEqual([{ emoji: '👍', peers: [ANN, BOB] }])
    const edited = readMessage(
      'a'.repeat(16),
      { ...m, ed: { [ANN]: { x: s('better'), t: s(formatHlc(6, 0)) } } },
      '0.0',
      legacy,
    ) as ChatMessage
    expect(edited).toMatchObject({ text: 'better', edited: true })
    const gone = readMessage(
      'a'.repeat(16),
      { ...m, del: { [ANN]: s(formatHlc(7, 0)) } },
      '0.0',
      legacy,
    )
    expect(gone).toMatchObject({ text: '', deleted: true, reactions: [] })
  })
})

describe('receipt labels', () => {
  const view = (d: number, r: number, n = 3): ReceiptView => {
    const peers = Array.from({ length: n }, (_, i) => String(i).repeat(32) as PeerId)
    const state = r === n ? 'read' : d === 0 ? 'sent' : d === n ? 'delivered' : 'partly-delivered'
    return {
      recipients: peers,
      delivered: peers.slice(0, d),
      read: peers.slice(0, r),
      missing: peers.slice(d),
      state,
    }
  }
  it('says sent, delivered to some or all, read by some or all', () => {
    expect(receiptLabel(view(0, 0))).toBe('sent')
    expect(receiptLabel(view(2, 0))).toBe('delivered to 2 of 3')
    expect(receiptLabel(view(2, 1))).toBe('delivered to 2 of 3, read by 1')
    expect(receiptLabel(view(3, 2))).toBe('delivered to all, read by 2')
    expect(receiptLabel(view(3, 3))).toBe('read by all')
    expect(receiptLabel(view(1, 0, 1))).toBe('delivered')
  })
})

describe('splitting text into text and links', () => {
  it('links http(s) URLs and leaves punctuation and brackets outside', () => {
    expect(splitLinks('see https://example.com/a?b=1, and (www.example.org/x).')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', and (' },
      { kind: 'link', text: 'www.example.org/x', href: 'https://www.example.org/x' },
      { kind: 'text', text: ').' },
    ])
    expect(splitLinks('https://en.wikipedia.org/wiki/Foo_(bar)')[0]).toMatchObject({
      kind: 'link',
      href: 'https://en.wikipedia.org/wiki/Foo_(bar)',
    })
  })

  it('keeps XSS payloads as plain text', () => {
    const payloads = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      '"><svg onload=alert(1)>',
    ]
    for (const payload of payloads) {
      expect(splitLinks(payload)).toEqual([{ kind: 'text', text: payload }])
    }
    const mixed = splitLinks('http://x.test/"><script>alert(1)</script>')
    expect(mixed[0]).toEqual({ kind: 'link', text: 'http://x.test/', href: 'http://x.test/' })
    expect(mixed.slice(1)).toEqual([{ kind: 'text', text: '"><script>alert(1)</script>' }])
    for (const part of splitLinks('a https://ok.test/<b> https://javascript:alert(1)')) {
      if (part.kind === 'link') expect(part.href).toMatch(/^https?:\/\/[^<>"]+$/)
    }
  })
})

describe('chat notifications', () => {
  class FakeChat extends Emitter<{ incoming: ChatMessage[] }> {
    arrive(messages: ChatMessage[]) {
      this.emit('incoming', messages)
    }
  }
  const message = (text: string): ChatMessage => ({
    id: 'a'.repeat(16),
    author: BOB,
    hlc: formatHlc(1, 0),
    at: 1,
    text,
    edited: false,
    deleted: false,
    reactions: [],
    shard: '0.0',
    verified: true,
  })

  it('notifies only while the page is hidden, one per burst', () => {
    const notes: Parameters<Notifier['notify']>[0][] = []
    let hidden = false
    const chat = new FakeChat()
    const off = watchChatNotifications({
      chat,
      workplaceId: 'wp1',
      workplaceName: () => 'Acme',
      nameOf: () => 'Bob',
      isHidden: () => hidden,
      notifier: { notify: (note) => notes.push(note) },
    })
    chat.arrive([message('seen in the open')])
    expect(notes).toEqual([])
    hidden = true
    chat.arrive([message('<b>hi</b>\nthere')])
    chat.arrive([message('one'), message('two')])
    expect(notes).toEqual([
      { title: 'Acme', body: 'Bob: <b>hi</b> there', tag: 'chat:wp1' },
      { title: 'Acme', body: '2 new messages', tag: 'chat:wp1' },
    ])
    off()
    chat.arrive([message('after')])
    expect(notes).toHaveLength(2)
  })
})
