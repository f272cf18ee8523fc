/**
 * Fuzzes the decoders of link frames, mesh envelopes, signals and presence gossip, direct
 * messages and file transfer with hostile input; what each must keep (and how) is described in
 * tests/support/decoder-contract.ts.
 */
import { describe, expect, it } from 'vitest'
import { decodeDirect, encodeDirect, type DirectWire } from '../../src/direct/direct-protocol.ts'
import { decodeFilesMessage, encodeFilesMessage } from '../../src/files/transfer-protocol.ts'
import { toBase64Url } from '../../src/lib/base64.ts'
import {
  decodeFrame,
  encodeFrame,
  LINK_PROTOCOL_VERSION,
  type Frame,
} from '../../src/peer/link/link-protocol.ts'
import {
  decodeEnvelope,
  decodeSignal,
  encodeEnvelope,
  encodeSignal,
  type RouteEnvelope,
} from '../../src/peer/mesh/mesh-protocol.ts'
import {
  decodePresence,
  encodePresence,
  type PresenceMessage,
} from '../../src/peer/mesh/presence-protocol.ts'
import { CASES, expectKept, Fuzz, fuzzBytes, isPlainError } from '../support/decoder-contract.ts'
import { filled, HASH, jsonOf, PEER, PEER_2, SDP, WORKPLACE } from '../support/decoder-fixtures.ts'
import { utf8 } from '../support/hostile-input.ts'

describe('mesh and link decoders under hostile input', () => {
  it('link frames (decodeFrame)', async () => {
    const frames: Frame[] = [
      {
        type: 'hello',
        version: LINK_PROTOCOL_VERSION,
        peerId: PEER,
        publicKey: filled(32, 2),
        nonce: filled(32, 3),
      },
      { type: 'auth-proof', signature: filled(64, 4) },
      { type: 'ping', timestamp: 1234.5 },
      { type: 'pong', timestamp: 0 },
      { type: 'data', channel: 'sync', payload: filled(10, 5) },
      { type: 'fragment', messageId: 7, index: 1, count: 3, channel: 'files', bytes: filled(9, 1) },
      { type: 'close', reason: 'bye ✓' },
    ]
    const valid = frames.map(encodeFrame)
    for (const [i, frame] of frames.entries()) {
      expect(decodeFrame(valid[i]!)).toEqual({ ok: true, frame })
    }
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeFrame>>({
      name: 'decodeFrame',
      decode: decodeFrame,
      // Its catch-all turns an unexpected exception into "undecodable frame: …": not allowed.
      rejected: (r) => !r.ok && r.error.length > 0 && !r.error.startsWith('undecodable frame'),
      accepted: (r) => r.ok && typeof r.frame.type === 'string',
    })
    await fuzzBytes(fuzz, 0x11, CASES, {
      valid,
      extra: [
        Uint8Array.of(6, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0x61, 1),
        Uint8Array.of(1, 2, ...filled(96, 0x61)),
        Uint8Array.of(3, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0),
        Uint8Array.of(7, 0xff, 0xff, ...filled(10, 0x61)),
      ],
    })
    expectKept(fuzz, valid.length, CASES)
  })

  it('mesh envelopes (decodeEnvelope)', async () => {
    const envelopes: RouteEnvelope[] = [
      {
        id: 'abcdefghijklmnop',
        from: PEER,
        to: PEER_2,
        ttl: 3,
        hops: 1,
        channel: 'sync',
        payload: filled(20, 1),
      },
      {
        id: 'qrstuvwxyz234567ab',
        from: PEER_2,
        group: WORKPLACE,
        ttl: 16,
        hops: 17,
        channel: 'mesh.presence',
        payload: new Uint8Array(0),
      },
    ]
    const valid = envelopes.map(encodeEnvelope)
    for (const [i, envelope] of envelopes.entries()) {
      expect(decodeEnvelope(valid[i]!)).toEqual({ ok: true, envelope })
    }
    // A hostile header in a well-formed frame.
    const frameOf = (header: string): Uint8Array | undefined => {
      const bytes = utf8(header)
      if (bytes.length > 0xffff) return undefined
      const frame = new Uint8Array(4 + bytes.length + 3)
      frame.set([1, 1, bytes.length >> 8, bytes.length & 255])
      frame.set(bytes, 4)
      return frame
    }
    const fuzz = new Fuzz<unknown, ReturnType<typeof decodeEnvelope>>({
      name: 'decodeEnvelope',
      decode: decodeEnvelope,
      rejected: (r) => !r.ok && r.reason.length > 0,
      accepted: (r) => r.ok && r.envelope.payload instanceof Uint8Array,
    })
    const headers = envelopes.map(({ payload: _, ...header }) => header)
    await fuzzBytes(fuzz, 0x12, CASES, { valid, json: headers, fromJson: frameOf })
    // Its input is `unknown`: what is not bytes is refused too.
    const notBytes: unknown[] = [null, 'mesh', [1, 1, 0, 0], new ArrayBuffer(8), new Uint16Array(4)]
    for (const [i, value] of notBytes.entries()) await fuzz.run(value, `not bytes #${i}`)
    expectKept(fuzz, valid.length, CASES)
  })

  it('mesh signals (decodeSignal)', async () => {
    const signals: unknown[] = [
      { type: 'offer', sdp: SDP },
      { candidate: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0' } },
    ]
    const valid = signals.map(encodeSignal)
    for (const [i, data] of signals.entries()) {
      expect(decodeSignal(valid[i]!)).toEqual({ ok: true, data })
    }
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeSignal>>({
      name: 'decodeSignal',
      decode: decodeSignal,
      rejected: (r) => !r.ok && r.reason.length > 0,
      accepted: (r) => r.ok && r.data !== undefined,
    })
    await fuzzBytes(fuzz, 0x13, CASES, { valid, json: valid.map(jsonOf) })
    expectKept(fuzz, valid.length, CASES)
  })

  it('presence gossip (decodePresence)', async () => {
    const messages: PresenceMessage[] = [
      { type: 'digest', group: WORKPLACE, digest: '0123456789abcdef', count: 3 },
      {
        type: 'versions',
        group: WORKPLACE,
        have: new Map([
          [PEER, 4],
          [PEER_2, 0],
        ]),
        reply: true,
      },
      {
        type: 'records',
        group: WORKPLACE,
        records: new Map([
          [PEER, { version: 2, links: [PEER_2], leaving: false, quiet: [PEER_2] }],
          [PEER_2, { version: 9, links: [], leaving: true }],
        ]),
      },
    ]
    const valid = messages.map(encodePresence)
    for (const [i, message] of messages.entries()) {
      expect(decodePresence(valid[i]!)).toEqual({ ok: true, message })
    }
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodePresence>>({
      name: 'decodePresence',
      decode: decodePresence,
      rejected: (r) => !r.ok && r.reason.length > 0,
      accepted: (r) => r.ok && typeof r.message.type === 'string',
    })
    await fuzzBytes(fuzz, 0x14, CASES, { valid, json: valid.map(jsonOf) })
    expectKept(fuzz, valid.length, CASES)
  })

  it('direct messages (decodeDirect)', async () => {
    const id = 'abcdefghijklmnop'
    const messages: DirectWire[] = [
      { t: 'hello', name: 'Ann', key: toBase64Url(filled(32, 1)) },
      { t: 'text', id, at: 5, text: 'hi' },
      { t: 'offer', id, at: 5, file: { id: HASH, name: 'a.txt', size: 3, type: 'text/plain' } },
      { t: 'answer', id, at: 5, offer: id, answer: 'accepted' },
      { t: 'withdraw', id, at: 5, offer: id },
      { t: 'invite', id, at: 5, workplace: 'Dock', url: 'https://peers.example/#ask=x' },
      { t: 'ack', ids: [id] },
    ]
    const valid = messages.map(encodeDirect)
    for (const [i, message] of messages.entries()) expect(decodeDirect(valid[i]!)).toEqual(message)
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeDirect>>({
      name: 'decodeDirect',
      decode: decodeDirect,
      rejected: isPlainError,
      accepted: (r) => !(r instanceof Error) && typeof r.t === 'string',
    })
    await fuzzBytes(fuzz, 0x15, CASES, {
      valid,
      json: valid.map(jsonOf),
      extra: [
        utf8(`{"v":${'['.repeat(30_000)}${']'.repeat(30_000)}}`),
        utf8(`{"v":1,"t":${'['.repeat(30_000)}${']'.repeat(30_000)}}`),
      ],
    })
    expectKept(fuzz, valid.length, CASES)
  })

  it('file transfer messages (decodeFilesMessage)', async () => {
    const valid = [
      encodeFilesMessage({
        type: 'open',
        requestId: 1,
        fileId: HASH,
        scope: WORKPLACE,
        wantManifest: true,
      }),
      encodeFilesMessage({
        type: 'opened',
        requestId: 1,
        fileId: HASH,
        count: 10,
        bitmap: Uint8Array.of(0xff, 0xc0),
        manifest: filled(5, 1),
      }),
      encodeFilesMessage({
        type: 'refused',
        requestId: 2,
        fileId: HASH,
        code: 'not-held',
        detail: 'gone',
      }),
      encodeFilesMessage({
        type: 'request',
        fileId: HASH,
        ranges: [
          { start: 0, length: 4 },
          { start: 9, length: 1 },
        ],
      }),
      encodeFilesMessage({ type: 'chunk', fileId: HASH, index: 3, hash: HASH, data: filled(7, 2) }),
      encodeFilesMessage({ type: 'missing', fileId: HASH, index: 3 }),
      encodeFilesMessage({ type: 'cancel', fileId: HASH }),
    ]
    expect(decodeFilesMessage(valid[3]!)).toEqual({
      type: 'request',
      fileId: HASH,
      ranges: [
        { start: 0, length: 4 },
        { start: 9, length: 1 },
      ],
    })
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeFilesMessage>>({
      name: 'decodeFilesMessage',
      decode: decodeFilesMessage,
      // Its catch-all makes "TypeError: …" of an unexpected exception: not allowed.
      rejected: (r) => isPlainError(r) && !/^[A-Za-z]*Error: /.test(r.message),
      accepted: (r) => !(r instanceof Error) && typeof r.type === 'string',
    })
    await fuzzBytes(fuzz, 0x16, CASES, {
      valid,
      extra: [
        // An opened message claiming 2^32 - 1 chunks; a request of 255 ranges at the last index.
        Uint8Array.of(1, 2, 0, 0, 0, 1, ...filled(32, 0xab), 0xff, 0xff, 0xff, 0xff),
        Uint8Array.of(1, 4, ...filled(32, 0xab), 255, ...filled(255 * 8, 0xff)),
      ],
    })
    expectKept(fuzz, valid.length, CASES)
  })
})
