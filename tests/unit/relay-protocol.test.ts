import { toBase64 } from '../../src/lib/base64.ts'
import { describe, expect, it } from 'vitest'
import {
  MAX_SIGNAL_DATA_CHARS,
  RELAY_PROTOCOL_VERSION,
  encodeMessage,
  parseClientMessage,
  parseServerMessage,
  relayAuthMessage,
  relayUrlForOrigin,
  type ClientMessage,
  type ServerMessage,
} from '../../src/peer/signaling/relay-protocol.ts'

const PEER = 'abcdefghijklmnopqrstuvwxyz234567'
const KEY = toBase64(new Uint8Array(32).fill(1))
const SIG = toBase64(new Uint8Array(64).fill(2))

describe('relay protocol: client messages', () => {
  const valid: ClientMessage[] = [
    { type: 'hello', version: 1, peerId: PEER as never, publicKey: KEY, signature: SIG },
    { type: 'join', topic: 'workplace:abc' as never },
    { type: 'leave', topic: 'nearby' as never },
    { type: 'signal', to: PEER as never, data: { type: 'offer', sdp: 'v=0' } },
    { type: 'ping' },
  ]

  it.each(valid)('round-trips $type', (message) => {
    expect(parseClientMessage(encodeMessage(message))).toEqual({ ok: true, message })
  })

  it('drops unknown fields', () => {
    const parsed = parseClientMessage('{"type":"ping","extra":1}')
    expect(parsed).toEqual({ ok: true, message: { type: 'ping' } })
  })

  it.each([
    ['not json', 'bad-json'],
    ['"a string"', 'bad-json'],
    ['null', 'bad-json'],
    ['[]', 'bad-json'],
    ['{}', 'bad-message'],
    ['{"type":5}', 'bad-message'],
    ['{"type":"fly"}', 'unknown-type'],
    ['{"type":"join"}', 'bad-message'],
    ['{"type":"join","topic":""}', 'bad-message'],
    ['{"type":"join","topic":"has space"}', 'bad-message'],
    [`{"type":"join","topic":"${'x'.repeat(129)}"}`, 'bad-message'],
    ['{"type":"signal","to":"short","data":1}', 'bad-message'],
    [`{"type":"signal","to":"${PEER}"}`, 'bad-message'],
    [
      `{"type":"hello","version":"1","peerId":"${PEER}","publicKey":"${KEY}","signature":"${SIG}"}`,
      'bad-message',
    ],
    [
      `{"type":"hello","version":1,"peerId":"${PEER}","publicKey":"***","signature":"${SIG}"}`,
      'bad-message',
    ],
    [`{"type":"hello","version":1,"peerId":"${PEER}","publicKey":"${KEY}"}`, 'bad-message'],
  ])('refuses %s with %s', (text, code) => {
    const parsed = parseClientMessage(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) {
      expect(parsed.code).toBe(code)
      expect(parsed.error.length).toBeGreaterThan(5)
    }
  })

  it('names the offending type in unknown-type errors', () => {
    expect(parseClientMessage('{"type":"fly"}')).toMatchObject({ ref: 'fly' })
  })

  it('limits the size of signal data', () => {
    const fits = { type: 'signal', to: PEER, data: 'x'.repeat(MAX_SIGNAL_DATA_CHARS - 2) }
    expect(parseClientMessage(JSON.stringify(fits)).ok).toBe(true)
    const tooBig = { ...fits, data: 'x'.repeat(MAX_SIGNAL_DATA_CHARS) }
    expect(parseClientMessage(JSON.stringify(tooBig))).toMatchObject({ ok: false, ref: 'signal' })
  })
})

describe('relay protocol: server messages', () => {
  const valid: ServerMessage[] = [
    { type: 'challenge', nonce: SIG, version: RELAY_PROTOCOL_VERSION },
    { type: 'welcome', peerId: PEER as never },
    { type: 'welcome', peerId: PEER as never, limits: { messagesPerSecond: 20, burst: 50 } },
    { type: 'peers', topic: 't' as never, peers: [PEER as never] },
    { type: 'peer-joined', topic: 't' as never, peer: PEER as never },
    { type: 'peer-left', topic: 't' as never, peer: PEER as never },
    { type: 'signal', from: PEER as never, data: [1, 2] },
    { type: 'error', code: 'rate-limited', message: 'slow down', ref: 'ping' },
    { type: 'error', code: 'bad-json', message: 'no' },
    { type: 'pong' },
  ]

  it.each(valid)('round-trips $type', (message) => {
    expect(parseServerMessage(encodeMessage(message))).toEqual({ ok: true, message })
  })

  it.each([
    '{"type":"challenge","version":1}',
    `{"type":"welcome","peerId":"${PEER}","limits":{"messagesPerSecond":0,"burst":5}}`,
    `{"type":"welcome","peerId":"${PEER}","limits":{"messagesPerSecond":5,"burst":0.5}}`,
    `{"type":"welcome","peerId":"${PEER}","limits":"fast"}`,
    '{"type":"peers","topic":"t","peers":"everyone"}',
    '{"type":"peers","topic":"t","peers":["nope"]}',
    '{"type":"peer-joined","topic":"t"}',
    '{"type":"signal","from":"x","data":1}',
    '{"type":"error","code":"x"}',
    '{"type":"surprise"}',
    '{{',
  ])('refuses %s', (text) => {
    expect(parseServerMessage(text).ok).toBe(false)
  })
})

describe('relay protocol: helpers', () => {
  it('derives the relay URL of a page’s origin', () => {
    expect(relayUrlForOrigin('https://peer.example/w/abc?x=1')).toBe('wss://peer.example/relay')
    expect(relayUrlForOrigin('http://127.0.0.1:8787/')).toBe('ws://127.0.0.1:8787/relay')
  })

  it('domain-separates the signed challenge', () => {
    const text = new TextDecoder().decode(relayAuthMessage('NONCE'))
    expect(text).toBe(`peerplace-relay-v${RELAY_PROTOCOL_VERSION}:NONCE`)
  })
})
