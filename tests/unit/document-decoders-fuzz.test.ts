/**
 * Fuzzes the decoders of workplace joins, resync requests, pushed changes, heads reports and
 * contact change notes with hostile input, and checks that the harness itself catches each way
 * of breaking a contract; what each decoder must keep (and how) is described in
 * tests/support/decoder-contract.ts.
 */
import { next as Automerge } from '@automerge/automerge'
import { cbor } from '@automerge/automerge-repo'
import { describe, expect, it } from 'vitest'
import {
  decodeNote,
  decodeProofNote,
  encodeNote,
  encodeProofNote,
} from '../../src/crdt/contacts/change-note.ts'
import { encodePush, parsePush } from '../../src/crdt/repo/change-push.ts'
import { DocumentIdCheck } from '../../src/crdt/repo/document-id-check.ts'
import { decodeResyncRequest, encodeResyncRequest } from '../../src/crdt/repo/resync-protocol.ts'
import { decodeHeadsReport, encodeHeadsReport } from '../../src/crdt/sync/sync-protocol.ts'
import {
  decodeJoinMessage,
  encodeJoinMessage,
  type JoinMessage,
} from '../../src/crdt/workplace/join-protocol.ts'
import { toBase64Url } from '../../src/lib/base64.ts'
import { DecodeError } from '../../src/lib/bytes.ts'
import {
  CASES,
  expectKept,
  Fuzz,
  fuzzBytes,
  fuzzTexts,
  isObject,
  isPlainError,
} from '../support/decoder-contract.ts'
import {
  filled,
  HASH,
  INVITE,
  jsonOf,
  PEER,
  PEER_2,
  WORKPLACE,
} from '../support/decoder-fixtures.ts'
import { CBOR_EXTRAS, cborOfJson, utf8 } from '../support/hostile-input.ts'
import { hostileJson, MARK, MARK_JSON } from '../support/hostile-json.ts'

const DOC = '2BZyZkKKeDZ1RA5u2tAVkDjuFMP'
const DOC_2 = '4SPJervrC9rbG8CFywxaCgPkCMQm'

describe('document and sync decoders under hostile input', () => {
  it('the harness itself flags each way of breaking a contract', async () => {
    const broken = (decode: (input: string) => unknown) =>
      new Fuzz<string, unknown>({
        name: 'broken',
        decode,
        rejected: isPlainError,
        accepted: (r) => isObject(r) && !(r instanceof Error),
        thrown: (error) => error instanceof DecodeError,
      })
    const cases: [string, (input: string) => unknown][] = [
      ['threw TypeError', (input) => (JSON.parse(input) as { a: { b: 1 } }).a.b],
      ['returned RangeError', () => new RangeError('Maximum call stack size exceeded')],
      ['returned number 42', () => 42],
      ['with prototype', () => ({ a: Object.create({ polluted: true }) as unknown })],
      [
        '({}).polluted is set',
        () => {
          Object.defineProperty(Object.prototype, 'polluted', { value: 1, configurable: true })
          return {}
        },
      ],
    ]
    try {
      for (const [failure, decode] of cases) {
        const fuzz = broken(decode)
        await fuzz.run('{}', 'self-test')
        expect(fuzz.failures).toEqual([expect.stringContaining(failure)])
        delete (Object.prototype as Record<string, unknown>).polluted
      }
      const kept = broken((input) => {
        if (input === '') throw new DecodeError('empty')
        return input === '{}' ? {} : new Error('not {}')
      })
      for (const input of ['', '{}', 'x']) await kept.run(input, 'self-test')
      expect(kept).toMatchObject({ failures: [], accepted: 1, rejected: 2 })
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
  })

  it('workplace join messages (decodeJoinMessage)', async () => {
    const rootUrl = `automerge:${DOC}`
    const messages: JoinMessage[] = [
      { t: 'invite-join', workplace: WORKPLACE, invite: INVITE, name: 'Ann' },
      { t: 'join-accepted', workplace: WORKPLACE, rootUrl, name: 'Dock' },
      { t: 'join-refused', workplace: WORKPLACE, code: 'expired', message: 'too late' },
      { t: 'ask-join', workplace: WORKPLACE, name: 'Ann', note: 'hello' },
      { t: 'ask-forward', workplace: WORKPLACE, requester: PEER, name: 'A', note: '', via: PEER_2 },
      {
        t: 'ask-decision',
        workplace: WORKPLACE,
        requester: PEER,
        approved: true,
        rootUrl,
        name: 'Dock',
      },
      {
        t: 'ask-relay',
        workplace: WORKPLACE,
        requester: PEER,
        approved: false,
        rootUrl: '',
        name: '',
      },
    ]
    const valid = messages.map(encodeJoinMessage)
    for (const [i, message] of messages.entries()) {
      expect(decodeJoinMessage(valid[i]!)).toEqual({ v: 1, ...message })
    }
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeJoinMessage>>({
      name: 'decodeJoinMessage',
      decode: decodeJoinMessage,
      rejected: isPlainError,
      accepted: (r) => !(r instanceof Error) && typeof r.t === 'string',
    })
    const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
    await fuzzBytes(fuzz, 0x17, CASES, {
      valid,
      json: valid.map(jsonOf),
      extra: [
        utf8('{"v":{"toString":1}}'),
        utf8(`{"v":1,"workplace":"${WORKPLACE}","t":${deep(8000)}}`),
        utf8(
          JSON.stringify({
            v: 1,
            workplace: WORKPLACE,
            t: 'invite-join',
            name: 'x',
            invite: { sig: 'a', body: { v: { toString: 1 } } },
          }),
        ),
        utf8(
          JSON.stringify({
            v: 1,
            workplace: WORKPLACE,
            t: 'invite-join',
            name: 'x',
            invite: { ...INVITE, body: { ...INVITE.body, kind: MARK } },
          }).replace(MARK_JSON, deep(7000)),
        ),
      ],
    })
    expectKept(fuzz, valid.length, CASES)
  })

  it('resync requests (decodeResyncRequest)', async () => {
    const valid = [encodeResyncRequest([DOC, DOC_2]), encodeResyncRequest([DOC])]
    expect(decodeResyncRequest(valid[0]!)).toEqual({ v: 1, docs: [DOC, DOC_2] })
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeResyncRequest>>({
      name: 'decodeResyncRequest',
      decode: decodeResyncRequest,
      rejected: (r) => typeof r === 'string' && r.length > 0,
      accepted: (r) => typeof r === 'object' && r.v === 1 && Array.isArray(r.docs),
    })
    await fuzzBytes(fuzz, 0x18, CASES, {
      valid,
      json: [{ v: 1, docs: [DOC, DOC_2] }],
      fromJson: cborOfJson,
      extra: CBOR_EXTRAS,
    })
    expectKept(fuzz, valid.length, CASES)
  })

  it('pushed changes (parsePush)', async () => {
    const doc = Automerge.change(
      Automerge.init<{ n?: number }>({ actor: 'aa'.repeat(16) }),
      { time: 0 },
      (d) => {
        d.n = 1
      },
    )
    const change = Automerge.getLastLocalChange(doc)!
    const valid = [encodePush(DOC, change, [PEER, PEER_2]), encodePush(DOC_2, change)]
    // One check for every input, as a worker keeps one: what it remembers must not let bad IDs by.
    const ids = new DocumentIdCheck()
    const parsed = parsePush(valid[1]!, ids)
    // (cbor-x gives the change as a Buffer under Node.)
    expect(
      typeof parsed === 'object' && { ...parsed, change: Uint8Array.from(parsed.change) },
    ).toEqual({ v: 1, doc: DOC_2, change })
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof parsePush>>({
      name: 'parsePush',
      decode: (data) => parsePush(data, ids),
      rejected: (r) => typeof r === 'string' && r.length > 0,
      accepted: (r) => typeof r === 'object' && r.change instanceof Uint8Array,
    })
    // The JSON form of a push has the change as a list of numbers; hostile JSON goes to CBOR.
    const json = [{ v: 1, doc: DOC, change: Array.from(change), to: [PEER] }]
    await fuzzBytes(fuzz, 0x19, CASES, {
      valid,
      json,
      fromJson: cborOfJson,
      extra: [...CBOR_EXTRAS, cbor.encode({ v: 1, doc: DOC, change, to: [{ toString: 1 }] })],
    })
    expectKept(fuzz, valid.length, CASES)
  })

  it('heads reports (decodeHeadsReport)', async () => {
    const report = { workplace: WORKPLACE, heads: { [DOC]: [HASH], [DOC_2]: [] } }
    const valid = [encodeHeadsReport(report)]
    expect(decodeHeadsReport(valid[0]!)).toEqual(report)
    const fuzz = new Fuzz<Uint8Array, ReturnType<typeof decodeHeadsReport>>({
      name: 'decodeHeadsReport',
      decode: decodeHeadsReport,
      rejected: isPlainError,
      accepted: (r) => !(r instanceof Error) && isObject(r.heads),
    })
    await fuzzBytes(fuzz, 0x1a, CASES, { valid, json: valid.map(jsonOf) })
    expectKept(fuzz, valid.length, CASES)
  })

  it('contact change notes (decodeNote, decodeProofNote)', async () => {
    const note = { by: PEER, op: 'edit' as const, contacts: ['c1', 'c2'], fields: ['phone'] }
    const proof = { of: HASH, s: `3.${toBase64Url(filled(64, 1))}` }
    const notes = [encodeNote(note)]
    const proofs = [encodeProofNote(proof)]
    expect(decodeNote(notes[0])).toEqual(note)
    expect(decodeProofNote(proofs[0])).toEqual(proof)
    const noteFuzz = new Fuzz<string | null | undefined, ReturnType<typeof decodeNote>>({
      name: 'decodeNote',
      decode: decodeNote,
      rejected: (r) => r === undefined,
      accepted: (r) => r !== undefined && Array.isArray(r.contacts) && Array.isArray(r.fields),
    })
    const proofFuzz = new Fuzz<string | null | undefined, ReturnType<typeof decodeProofNote>>({
      name: 'decodeProofNote',
      decode: decodeProofNote,
      rejected: (r) => r === undefined,
      accepted: (r) => r !== undefined && typeof r.s === 'string',
    })
    for (const fuzz of [noteFuzz, proofFuzz]) {
      for (const [i, value] of [null, undefined, ''].entries()) await fuzz.run(value, `empty #${i}`)
    }
    const sample = [JSON.parse(notes[0]!) as unknown]
    await fuzzTexts(noteFuzz, 0x1b, CASES, notes, (g) => hostileJson(g, g.pick(sample)))
    const proofSample = [JSON.parse(proofs[0]!) as unknown]
    await fuzzTexts(proofFuzz, 0x1c, CASES, proofs, (g) => hostileJson(g, g.pick(proofSample)))
    expectKept(noteFuzz, 1, CASES)
    expectKept(proofFuzz, 1, CASES)
  })
})
