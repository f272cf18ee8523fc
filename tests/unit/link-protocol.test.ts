import { describe, expect, it } from 'vitest'
import type { PeerId } from '../../src/peer/ids.ts'
import { framesForMessage } from '../../src/peer/link/framing.ts'
import {
  decodeFrame,
  encodeFrame,
  LINK_PROTOCOL_VERSION,
  MAX_FRAGMENT_COUNT,
  type Frame,
} from '../../src/peer/link/link-protocol.ts'
import { Reassembler } from '../../src/peer/link/reassembler.ts'

const peerId = 'abcdefghijklmnopqrstuvwxyz234567' as PeerId
const bytes = (length: number, fill = 1): Uint8Array => new Uint8Array(length).fill(fill)

const samples: Frame[] = [
  {
    type: 'hello',
    version: LINK_PROTOCOL_VERSION,
    peerId,
    publicKey: bytes(32, 2),
    nonce: bytes(32, 3),
  },
  { type: 'auth-proof', signature: bytes(64, 4) },
  { type: 'ping', timestamp: 1234.5 },
  { type: 'pong', timestamp: 0 },
  { type: 'data', channel: 'sync', payload: bytes(10, 5) },
  { type: 'data', channel: 'mesh', payload: new Uint8Array(0) },
  { type: 'fragment', messageId: 7, index: 1, count: 3, channel: 'files', bytes: bytes(9) },
  { type: 'close', reason: 'bye ✓' },
]

function decodeError(frame: Uint8Array): string {
  const result = decodeFrame(frame)
  if (result.ok) throw new Error(`decoded ${result.frame.type} unexpectedly`)
  return result.error
}

describe('link protocol', () => {
  it('round-trips every frame type', () => {
    for (const frame of samples) {
      const result = decodeFrame(encodeFrame(frame))
      expect(result).toEqual({ ok: true, frame })
    }
  })

  it('rejects truncated frames of every type and trailing bytes on fixed ones', () => {
    for (const frame of samples) {
      const encoded = encodeFrame(frame)
      for (let cut = 0; cut < encoded.length; cut++) {
        const result = decodeFrame(encoded.subarray(0, cut))
        // A data frame cut inside its payload is still a (shorter) valid data frame.
        if (result.ok) expect(['data', 'fragment']).toContain(result.frame.type)
      }
    }
    const ping = encodeFrame({ type: 'ping', timestamp: 1 })
    expect(decodeError(Uint8Array.of(...ping, 0))).toMatch(/trailing/)
    expect(decodeError(new Uint8Array(0))).toMatch(/truncated frame type/)
  })

  it('names what is wrong with invalid frames', () => {
    expect(decodeError(Uint8Array.of(0x7f))).toMatch(/unknown frame type 127/)
    const hello = encodeFrame(samples[0] as Frame)
    hello[1] = 2
    expect(decodeError(hello)).toMatch(/unsupported link protocol version 2/)
    const badId = encodeFrame(samples[0] as Frame)
    badId[2] = 0x31 // '1' is not in the peer ID alphabet
    expect(decodeError(badId)).toMatch(/peer ID/)
    const fragment = (count: number, index: number): Uint8Array =>
      encodeFrame({ type: 'fragment', messageId: 1, index, count, channel: 'x', bytes: bytes(1) })
    expect(decodeError(fragment(MAX_FRAGMENT_COUNT + 1, 0))).toMatch(/fragment count/)
    expect(decodeError(fragment(0xffffffff, 0))).toMatch(/fragment count/)
    expect(decodeError(fragment(1, 0))).toMatch(/fragment count/)
    expect(decodeError(fragment(3, 3))).toMatch(/fragment index/)
    const badChannel = encodeFrame({ type: 'data', channel: 'ok', payload: bytes(1) })
    badChannel[2] = 0x20
    expect(decodeError(badChannel)).toMatch(/channel name/)
    const badPing = encodeFrame({ type: 'ping', timestamp: Number.NaN })
    expect(decodeError(badPing)).toMatch(/timestamp/)
  })

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const random = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 120)))
      expect(() => decodeFrame(random)).not.toThrow()
    }
  })
})

describe('fragmentation', () => {
  const decodeAll = (frames: Uint8Array[]): Frame[] =>
    frames.map((frame) => {
      const result = decodeFrame(frame)
      if (!result.ok) throw new Error(result.error)
      return result.frame
    })

  it('keeps small messages whole and splits large ones below the message size', () => {
    expect(decodeAll(framesForMessage('c', bytes(100), 1000, 1))[0]?.type).toBe('data')
    const frames = framesForMessage('c', bytes(10_000), 1000, 9)
    expect(frames.every((frame) => frame.length <= 1000)).toBe(true)
    const reassembler = new Reassembler(1_000_000)
    const results = decodeAll(frames).map((frame) =>
      frame.type === 'fragment' ? reassembler.add(frame) : { ok: false as const, error: 'type' },
    )
    expect(results.slice(0, -1).every((result) => result.ok && !result.message)).toBe(true)
    expect(results.at(-1)).toEqual({ ok: true, message: { channel: 'c', data: bytes(10_000) } })
  })

  it('drops out-of-order, interleaved and oversized messages', () => {
    const parts = decodeAll(framesForMessage('c', bytes(5000), 1000, 1)) as Extract<
      Frame,
      { type: 'fragment' }
    >[]
    const [p0, p1, p2] = parts
    if (!p0 || !p1 || !p2) throw new Error('expected fragments')
    const reassembler = new Reassembler(1_000_000)
    expect(reassembler.add(p0).ok).toBe(true)
    expect(reassembler.add(p2)).toMatchObject({ ok: false, error: /unexpected fragment/ })
    expect(reassembler.add(p1)).toMatchObject({ ok: false })

    expect(reassembler.add(p0).ok).toBe(true)
    expect(reassembler.add(p0)).toMatchObject({ ok: false, error: /abandoned/ })
    expect(reassembler.add(p1)).toEqual({ ok: true })

    const small = new Reassembler(2500)
    expect(small.add(p0).ok && small.add(p1).ok).toBe(true)
    expect(small.add(p2)).toMatchObject({ ok: false, error: /above 2500 bytes/ })
  })
})
