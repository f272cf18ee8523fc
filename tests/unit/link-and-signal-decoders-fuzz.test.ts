/**
 * Fuzzes the decoders of workplace links, record proofs, signaling envelopes, ICE announcements
 * and manual pairing codes with hostile input; what each must keep (and how) is described in
 * tests/support/decoder-contract.ts.
 */
import { describe, expect, it } from 'vitest'
import { decodeCompactPayload } from '../../src/crdt/workplace/compact-link.ts'
import {
  decodeWorkplaceLink,
  encodeWorkplaceLink,
  type WorkplaceLink,
} from '../../src/crdt/workplace/invite-link.ts'
import { fromBase64Url, toBase64Url } from '../../src/lib/base64.ts'
import { DecodeError } from '../../src/lib/bytes.ts'
import { formatProof, parseProof } from '../../src/peer/identity/record-proof.ts'
import { parseIceAnnouncement } from '../../src/peer/signaling/ice-announcement.ts'
import { decodeManualSignal, encodeManualSignal } from '../../src/peer/signaling/manual-codec.ts'
import { expandSdp } from '../../src/peer/signaling/sdp-compact.ts'
import {
  parseEnvelope,
  parseRtcSignal,
  type SessionId,
} from '../../src/peer/signaling/signal-envelope.ts'
import {
  CASES,
  expectKept,
  Fuzz,
  fuzzTexts,
  fuzzValues,
  isObject,
  isPlainError,
} from '../support/decoder-contract.ts'
import { filled, INVITE, PEER, PEER_2, SDP, WORKPLACE } from '../support/decoder-fixtures.ts'
import { Gen, mutateBytes, mutateText, utf8 } from '../support/hostile-input.ts'
import { hostileJson, hostileValue } from '../support/hostile-json.ts'
import { firstVersionLink } from '../support/first-version-link.ts'

const SID = 'abcdefghijklmnop' as SessionId

describe('workplace link and signaling decoders under hostile input', () => {
  it('workplace links (decodeWorkplaceLink, decodeCompactPayload)', async () => {
    const base = 'https://peers.example/app/'
    const links: WorkplaceLink[] = [
      {
        workplace: WORKPLACE,
        name: 'Dockside — Überseehafen 🚢',
        peers: [PEER, PEER_2],
        endpoints: ['wss://peers.example/relay'],
        invite: INVITE,
      },
      { workplace: WORKPLACE, name: 'Dock', peers: [PEER_2], endpoints: [] },
    ]
    const compact = links.map((link) => encodeWorkplaceLink(base, link))
    // The first version's form: base64url of the JSON payload.
    const jsonLinks = links.map((link) => firstVersionLink(base, link))
    const payloads = jsonLinks.map((url): unknown =>
      JSON.parse(new TextDecoder().decode(fromBase64Url(url.slice(url.indexOf('=') + 1)))),
    )
    const valid = [...compact, ...jsonLinks]
    for (const [i, url] of valid.entries()) expect(decodeWorkplaceLink(url)).toEqual(links[i % 2])
    const tokens = compact.map((url) => url.slice(url.indexOf('=') + 1))
    expect(tokens.every((token) => token.startsWith('b'))).toBe(true)
    const compactBytes = tokens.map((token) => fromBase64Url(token.slice(1)))

    const linkFuzz = new Fuzz<string, WorkplaceLink>({
      name: 'decodeWorkplaceLink',
      decode: decodeWorkplaceLink,
      rejected: () => false,
      accepted: (r) => typeof r.workplace === 'string' && Array.isArray(r.peers),
      // "Throws a clear Error if it is not one": its own sentences, not a TypeError's.
      thrown: (error) =>
        isPlainError(error) && /^This (workplace|invite) link|^This is not/.test(error.message),
    })
    await fuzzTexts(linkFuzz, 0x1d, CASES, valid, (g) => {
      const kind = g.pick(['join', 'ask'])
      const token = g.chance(0.5)
        ? `b${toBase64Url(mutateBytes(g, g.pick(compactBytes)))}`
        : // A JSON token: " " first keeps it from starting with "b" (the compact form's letter).
          toBase64Url(utf8(` ${hostileJson(g, g.pick(payloads))}`))
      return `${base}#${kind}=${token}`
    })
    for (const [i, text] of ['null', '1', '[]', '"x"', '{"v":{"toString":1}}'].entries()) {
      await linkFuzz.run(`#ask=${toBase64Url(utf8(` ${text}`))}`, `made #${i}`)
    }
    expectKept(linkFuzz, valid.length, CASES)

    const compactFuzz = new Fuzz<string, ReturnType<typeof decodeCompactPayload>>({
      name: 'decodeCompactPayload',
      decode: decodeCompactPayload,
      rejected: () => false,
      accepted: isObject,
      // "Throws an Error if the token is damaged" (its text is read as strict UTF-8, whose
      // failure is the TextDecoder's TypeError).
      thrown: (error) =>
        isPlainError(error) ||
        error instanceof DecodeError ||
        (error instanceof TypeError && /encoded data was not valid/.test(error.message)),
    })
    await fuzzTexts(
      compactFuzz,
      0x1e,
      CASES,
      tokens,
      (g) => `b${toBase64Url(mutateBytes(g, g.pick(compactBytes)))}`,
    )
    expectKept(compactFuzz, tokens.length, CASES)
  })

  it('record proofs (parseProof)', async () => {
    const signature = filled(64, 3)
    const proofs = [formatProof(12, signature), formatProof(0, filled(64, 0xff))]
    expect(parseProof(proofs[0])).toEqual({ membershipClock: 12, signature, text: proofs[0] })
    expect(parseProof({ val: proofs[0] })).toEqual(parseProof(proofs[0]))
    const fuzz = new Fuzz<unknown, ReturnType<typeof parseProof>>({
      name: 'parseProof',
      decode: parseProof,
      rejected: (r) => r === undefined,
      accepted: (r) => r !== undefined && r.signature.length === 64,
    })
    const g = new Gen(0x1f)
    await fuzzTexts(fuzz, 0x20, CASES, proofs)
    for (let i = 0; i < 60; i++) {
      // As an Automerge ImmutableString: an object with `val`.
      const val = g.chance(0.5) ? mutateText(g, g.pick(proofs)) : hostileValue(g, proofs[0])
      await fuzz.run({ val }, `seed ${g.seed} case #${i} (val)`)
    }
    await fuzzValues(fuzz, 0x21, 60, [{ val: proofs[0] }])
    expectKept(fuzz, proofs.length, CASES)
  })

  it('signal envelopes (parseEnvelope, parseRtcSignal)', async () => {
    const offer = { type: 'offer', sdp: SDP }
    const candidate = {
      type: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0' },
    }
    const envelopes = [
      { v: 1, kind: 'rtc', sid: SID, data: offer },
      { v: 2, kind: 'rtcs', sid: SID, data: [offer, candidate] },
      { v: 1, kind: 'bye', sid: SID, reason: 'timeout' },
    ]
    expect(parseEnvelope(envelopes[1])).toEqual({ ok: true, envelope: envelopes[1] })
    const envelopeFuzz = new Fuzz<unknown, ReturnType<typeof parseEnvelope>>({
      name: 'parseEnvelope',
      decode: parseEnvelope,
      rejected: (r) => !r.ok && r.error.length > 0,
      accepted: (r) => r.ok && typeof r.envelope.kind === 'string',
    })
    await fuzzValues(envelopeFuzz, 0x22, CASES, envelopes)
    for (const [i, text] of [`{"v":${'['.repeat(30_000)}${']'.repeat(30_000)}}`].entries()) {
      await envelopeFuzz.run(JSON.parse(text), `made #${i}`)
    }
    expectKept(envelopeFuzz, envelopes.length, CASES)

    const signals = [offer, candidate, { renegotiate: true }]
    expect(parseRtcSignal(candidate)).toEqual(candidate)
    const signalFuzz = new Fuzz<unknown, ReturnType<typeof parseRtcSignal>>({
      name: 'parseRtcSignal',
      decode: parseRtcSignal,
      rejected: (r) => typeof r === 'string' && r.length > 0,
      accepted: isObject,
    })
    await fuzzValues(signalFuzz, 0x23, CASES, signals)
    expectKept(signalFuzz, signals.length, CASES)
  })

  it('ICE announcements (parseIceAnnouncement)', async () => {
    const announcements = [
      {
        v: 1,
        iceServers: [
          { urls: 'stun:stun.example:3478' },
          {
            urls: ['turn:turn.example:3478', 'turns:turn.example:443'],
            username: 'u',
            credential: 'c',
          },
        ],
        ttlSeconds: 3600,
      },
      { v: 1, iceServers: [], ttlSeconds: 0 },
    ]
    expect(parseIceAnnouncement(announcements[1])).toEqual(announcements[1])
    const fuzz = new Fuzz<unknown, ReturnType<typeof parseIceAnnouncement>>({
      name: 'parseIceAnnouncement',
      decode: parseIceAnnouncement,
      rejected: (r) => typeof r === 'string' && r.length > 0,
      accepted: (r) => typeof r === 'object' && Array.isArray(r.iceServers),
    })
    await fuzzValues(fuzz, 0x24, CASES, announcements)
    expectKept(fuzz, announcements.length, CASES)
  })

  it('manual pairing codes (decodeManualSignal)', async () => {
    const compactSdp = expandSdp({
      ufrag: 'abcd',
      pwd: 'abcdefghijklmnopqrstuv',
      fingerprint: filled(32, 0xab),
      setup: 'actpass',
      maxMessageSize: 262_144,
      candidates: [
        { type: 'host', address: '192.168.1.2', port: 50_000 },
        { type: 'srflx', address: '2001:db8:0:0:0:0:0:1', port: 3478 },
      ],
    })
    const signals = [
      { type: 'offer' as const, from: PEER, sid: SID, sdp: compactSdp },
      { type: 'answer' as const, from: PEER_2, sid: SID, sdp: `${SDP}a=odd\r\n` },
    ]
    const valid = await Promise.all(signals.map(encodeManualSignal))
    for (const [i, signal] of signals.entries()) {
      expect(await decodeManualSignal(valid[i]!)).toEqual(signal)
    }
    const codeBytes = valid.map((code) => fromBase64Url(code.slice('pp1.'.length)))
    // One deflated and one compacted.
    expect(codeBytes.map((bytes) => bytes[0]! & 2)).toEqual([0, 2])
    const fuzz = new Fuzz<string, Awaited<ReturnType<typeof decodeManualSignal>>>({
      name: 'decodeManualSignal',
      decode: decodeManualSignal,
      rejected: () => false,
      accepted: (r) => r.sdp.startsWith('v=0'),
      // "Throws an Error that says what is wrong with it."
      thrown: (error) =>
        isPlainError(error) &&
        /^(this is not a Peerplace pairing code|the pairing code)/.test(error.message) &&
        !(error.cause instanceof RangeError),
    })
    await fuzzTexts(fuzz, 0x25, CASES, valid, (g) => {
      const bytes = mutateBytes(g, g.pick(codeBytes))
      return `pp1.${toBase64Url(bytes)}`
    })
    expectKept(fuzz, valid.length, CASES)
  })
})
