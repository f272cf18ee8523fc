import { describe, expect, it } from 'vitest'
import {
  decodeEnvelope,
  decodeSignal,
  encodeEnvelope,
  encodeSignal,
  newMessageId,
  type RouteEnvelope,
} from '../../src/peer/mesh/mesh-protocol.ts'
import { decodePresence, encodePresence } from '../../src/peer/mesh/presence-protocol.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const A = 'a'.repeat(32) as PeerId
const B = 'b'.repeat(32) as PeerId
const random = (bytes: Uint8Array) => {
  crypto.getRandomValues(bytes as Uint8Array<ArrayBuffer>)
}

function envelope(fields: Partial<RouteEnvelope> = {}): RouteEnvelope {
  return {
    id: newMessageId(random),
    from: A,
    to: B,
    ttl: 3,
    hops: 1,
    channel: 'chat',
    payload: new Uint8Array([1, 2, 3]),
    ...fields,
  }
}

describe('mesh protocol', () => {
  it('round-trips unicast and group envelopes', () => {
    const unicast = envelope()
    expect(decodeEnvelope(encodeEnvelope(unicast))).toEqual({ ok: true, envelope: unicast })
    const { to: _to, ...rest } = envelope()
    const group: RouteEnvelope = { ...rest, group: 'team.1' }
    expect(decodeEnvelope(encodeEnvelope(group))).toEqual({ ok: true, envelope: group })
  })

  it('makes distinct, valid message IDs', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newMessageId(random)))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{26}$/)
  })

  it('rejects malformed frames with a reason', () => {
    const good = encodeEnvelope(envelope())
    const cases: unknown[] = [
      'text',
      new Uint8Array(),
      new Uint8Array([9, 1, 0, 0]),
      new Uint8Array([1, 7, 0, 0]),
      new Uint8Array([1, 1, 255, 255, 1]),
      Uint8Array.from([1, 1, 0, 3, ...new TextEncoder().encode('{x}')]),
      Uint8Array.from([1, 1, 0, 2, ...new TextEncoder().encode('[]')]),
      good.slice(0, 10),
      encodeEnvelope({ ...envelope(), from: 'NOPE' as PeerId }),
      encodeEnvelope({ ...envelope(), ttl: 99 }),
      encodeEnvelope({ ...envelope(), hops: -1 }),
      encodeEnvelope({ ...envelope(), channel: 'bad channel!' }),
      encodeEnvelope({ ...envelope(), group: 'both' }),
      encodeEnvelope({ ...envelope(), id: 'short' }),
    ]
    for (const frame of cases) {
      const result = decodeEnvelope(frame)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.reason).toBeTruthy()
    }
    for (let i = 0; i < 200; i++) {
      const junk = crypto.getRandomValues(new Uint8Array(1 + (i % 60)))
      expect(() => decodeEnvelope(junk)).not.toThrow()
    }
  })

  it('validates presence gossip and signals', () => {
    const records = new Map([[A, { version: 5, links: [B], leaving: false }]])
    const message = { type: 'records', group: 'g', records } as const
    expect(decodePresence(encodePresence(message))).toEqual({ ok: true, message })
    const bad = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
    const record = { p: A, n: 1, l: [], x: false }
    expect(decodePresence(bad({ v: 2, t: 'records', g: 'g', records: [record] })).ok).toBe(true)
    expect(decodePresence(bad({ v: 1, t: 'records', g: 'g', records: [record] })).ok).toBe(false)
    expect(
      decodePresence(bad({ v: 2, t: 'records', g: 'g', records: [{ ...record, n: -1 }] })).ok,
    ).toBe(false)
    expect(
      decodePresence(bad({ v: 2, t: 'records', g: 'g', records: [{ ...record, l: ['x'] }] })).ok,
    ).toBe(false)
    expect(decodePresence(bad({ v: 2, t: 'records', g: 'bad group!', records: [] })).ok).toBe(false)
    expect(decodePresence(bad({ v: 2, t: 'digest', g: 'g', h: 'zz' })).ok).toBe(false)
    expect(
      decodePresence(bad({ v: 2, t: 'versions', g: 'g', have: { x: 1 }, reply: true })).ok,
    ).toBe(false)
    expect(decodePresence(bad({ v: 2, t: 'versions', g: 'g', have: { [A]: 1 } })).ok).toBe(false)
    expect(decodePresence(bad({ v: 2, t: 'nope', g: 'g' })).ok).toBe(false)
    expect(decodePresence(new Uint8Array([0xff])).ok).toBe(false)
    const many = Array.from({ length: 65 }, () => record)
    expect(decodePresence(bad({ v: 2, t: 'records', g: 'g', records: many })).ok).toBe(false)
    expect(decodeSignal(encodeSignal({ sdp: 'x' }))).toEqual({ ok: true, data: { sdp: 'x' } })
    expect(decodeSignal(bad({ v: 1 })).ok).toBe(false)
    expect(decodeSignal(bad('nope')).ok).toBe(false)
  })
})
