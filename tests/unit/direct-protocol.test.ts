import { describe, expect, it } from 'vitest'
import {
  decodeDirect,
  encodeDirect,
  fileName,
  MAX_FILE_BYTES,
  MAX_FRAME_BYTES,
  MAX_TEXT_LENGTH,
  newMessageId,
  type DirectWire,
} from '../../src/direct/direct-protocol.ts'
import { toBase64Url } from '../../src/lib/base64.ts'

const id = newMessageId((b) => crypto.getRandomValues(b as Uint8Array<ArrayBuffer>))
const fileId = 'ab'.repeat(32)
const key = toBase64Url(new Uint8Array(32).fill(7))
const raw = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const reason = (value: unknown) => {
  const decoded = decodeDirect(raw(value))
  return decoded instanceof Error ? decoded.message : 'accepted'
}

describe('direct protocol', () => {
  it('round-trips every message type', () => {
    const wires: DirectWire[] = [
      { t: 'hello', name: 'Ana', key },
      { t: 'hello', name: null, key },
      { t: 'text', id, at: 5, text: 'hi <b>there</b>' },
      {
        t: 'offer',
        id,
        at: 5,
        file: { id: fileId as never, name: 'a.txt', size: 3, type: 'text/plain' },
      },
      { t: 'answer', id, at: 5, offer: id, answer: 'declined' },
      { t: 'withdraw', id, at: 5, offer: id },
      { t: 'invite', id, at: 5, workplace: 'Acme', url: 'https://example.org/#join=x' },
      { t: 'ack', ids: [id, id] },
    ]
    for (const wire of wires) expect(decodeDirect(encodeDirect(wire))).toEqual(wire)
  })

  it('makes distinct 26-character IDs', () => {
    const random = (b: Uint8Array) => crypto.getRandomValues(b as Uint8Array<ArrayBuffer>)
    const ids = new Set(Array.from({ length: 100 }, () => newMessageId(random)))
    expect(ids.size).toBe(100)
    for (const one of ids) expect(one).toMatch(/^[a-z2-7]{26}$/)
  })

  it('refuses what is not a message of this version, with a reason', () => {
    expect(decodeDirect(new Uint8Array([0xff, 0xfe]))).toBeInstanceOf(Error)
    expect(reason([1, 2])).toBe('not an object')
    expect(reason({ v: 2, t: 'text', id, at: 1, text: 'x' })).toMatch(/unsupported version 2/)
    expect(reason({ v: 1, t: 'shout', id, at: 1 })).toMatch(/unknown type/)
    expect(reason({ v: 1, t: 'text', id: 'ABC', at: 1, text: 'x' })).toBe('bad message ID')
    expect(reason({ v: 1, t: 'text', id, at: -1, text: 'x' })).toBe('bad time')
    expect(reason({ v: 1, t: 'text', id, at: 1.5, text: 'x' })).toBe('bad time')
    expect(reason({ v: 1, t: 'ack', ids: [] })).toBe('bad ack IDs')
    expect(reason({ v: 1, t: 'ack', ids: ['x'] })).toBe('bad ack ID')
    expect(reason({ v: 1, t: 'answer', id, at: 1, offer: id, answer: 'maybe' })).toBe('bad answer')
    const big = new Uint8Array(MAX_FRAME_BYTES + 1)
    expect(decodeDirect(big)).toBeInstanceOf(Error)
  })

  it('limits text: empty and over-long messages are refused with clear errors', () => {
    expect(reason({ v: 1, t: 'text', id, at: 1, text: '  ' })).toBe('the message is empty')
    const long = 'x'.repeat(MAX_TEXT_LENGTH + 1)
    expect(reason({ v: 1, t: 'text', id, at: 1, text: long })).toMatch(/at most 10,000 characters/)
    expect(reason({ v: 1, t: 'text', id, at: 1, text: 'x'.repeat(MAX_TEXT_LENGTH) })).toBe(
      'accepted',
    )
  })

  it('checks hello names and keys', () => {
    const hello = (name: unknown, k: unknown = key) =>
      decodeDirect(raw({ v: 1, t: 'hello', name, key: k }))
    expect(hello(' Ana\u0007  B ')).toEqual({ t: 'hello', name: 'Ana B', key })
    expect(hello('')).toBeInstanceOf(Error)
    expect(hello('x'.repeat(65))).toBeInstanceOf(Error)
    expect(hello(5)).toBeInstanceOf(Error)
    expect(hello('Ana', toBase64Url(new Uint8Array(31)))).toBeInstanceOf(Error)
    expect(hello('Ana', 'not base64!')).toBeInstanceOf(Error)
  })

  it('checks offered files: ID, size within the limit, a name with no path', () => {
    const offer = (file: Record<string, unknown>) =>
      decodeDirect(
        raw({
          v: 1,
          t: 'offer',
          id,
          at: 1,
          file: { id: fileId, name: 'a', size: 1, type: '', ...file },
        }),
      )
    expect(offer({ id: 'xyz' })).toBeInstanceOf(Error)
    expect(offer({ size: -1 })).toBeInstanceOf(Error)
    expect(offer({ size: MAX_FILE_BYTES + 1 })).toBeInstanceOf(Error)
    expect(offer({ name: '' })).toBeInstanceOf(Error)
    expect(offer({ name: '..' })).toBeInstanceOf(Error)
    const odd = offer({ name: '../../etc/pass\u0000wd', type: 'text/html; <script>' })
    expect(odd).toMatchObject({ file: { name: '.._.._etc_passwd', type: '' } })
    expect(fileName('x'.repeat(300))).toHaveLength(255)
  })

  it('accepts only http(s) invite links and plain workplace names', () => {
    const invite = (url: unknown, workplace: unknown = 'Acme') =>
      reason({ v: 1, t: 'invite', id, at: 1, workplace, url })
    expect(invite('javascript:alert(1)')).toBe('bad link')
    expect(invite('data:text/html,<b>x</b>')).toBe('bad link')
    expect(invite('not a url')).toBe('bad link')
    expect(invite('https://x.org/' + 'a'.repeat(5000))).toBe('bad link')
    expect(invite('https://x.org/#join=1', '')).toBe('bad workplace name')
    expect(invite('https://x.org/#join=1')).toBe('accepted')
  })
})
