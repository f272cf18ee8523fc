import { describe, expect, it } from 'vitest'
import {
  MAX_BATCH_SIGNALS,
  newSessionId,
  parseEnvelope,
  rtcEnvelopes,
  splitEnvelope,
  type RtcSignal,
} from '../../src/peer/signaling/signal-envelope.ts'

const sid = newSessionId()
const offer: RtcSignal = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
const candidate = (n: number): RtcSignal => ({
  type: 'candidate',
  candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`, sdpMid: '0' },
})

describe('signal envelopes', () => {
  it('sends one signal as a version 1 envelope, several as version 2 batches', () => {
    expect(rtcEnvelopes(sid, [offer])).toEqual([{ v: 1, kind: 'rtc', sid, data: offer }])
    const many = [offer, ...Array.from({ length: MAX_BATCH_SIGNALS + 3 }, (_, n) => candidate(n))]
    const envelopes = rtcEnvelopes(sid, many)
    expect(envelopes.map((e) => e.kind)).toEqual(['rtcs', 'rtcs'])
    const back = envelopes.flatMap((e) => {
      const parsed = parseEnvelope(JSON.parse(JSON.stringify(e)))
      if (!parsed.ok) throw new Error(parsed.error)
      return splitEnvelope(parsed.envelope)
    })
    expect(back.map((e) => (e.kind === 'rtc' ? e.data : null))).toEqual(many)
  })

  it('refuses malformed batches with a reason', () => {
    const bad: [unknown, RegExp][] = [
      [{ v: 1, kind: 'rtcs', sid, data: [offer] }, /version 2/],
      [{ v: 2, kind: 'rtcs', sid, data: [] }, /not a list/],
      [{ v: 2, kind: 'rtcs', sid, data: offer }, /not a list/],
      [{ v: 2, kind: 'rtcs', sid, data: [offer, { type: 'offer', sdp: 'x' }] }, /batch: .*v=0/],
      [
        {
          v: 2,
          kind: 'rtcs',
          sid,
          data: Array.from({ length: MAX_BATCH_SIGNALS + 1 }, () => offer),
        },
        /too long/,
      ],
      [{ v: 3, kind: 'rtc', sid, data: offer }, /unsupported envelope version/],
    ]
    for (const [value, reason] of bad) {
      const parsed = parseEnvelope(value)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.error).toMatch(reason)
    }
  })
})
