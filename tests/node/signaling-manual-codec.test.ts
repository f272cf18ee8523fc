import { describe, expect, it } from 'vitest'
import wrtc from '@roamhq/wrtc'
import SimplePeer from 'simple-peer'
import type { PeerId } from '../../src/peer/ids.ts'
import { decodeManualSignal, encodeManualSignal } from '../../src/peer/signaling/manual-codec.ts'
import { compactSdp } from '../../src/peer/signaling/sdp-compact.ts'
import { newSessionId } from '../../src/peer/signaling/signal-envelope.ts'
import { randomPeerId } from '../contract/fixtures.ts'

type Sdp = { type: 'offer' | 'answer'; sdp: string }

/** Connects two wrtc peers whose SDPs travel only as pairing codes; returns the codes. */
async function connectThroughCodes(): Promise<{ offer: string; answer: string }> {
  const a = new SimplePeer({ initiator: true, wrtc, trickle: false, config: { iceServers: [] } })
  const b = new SimplePeer({ wrtc, trickle: false, config: { iceServers: [] } })
  const sid = newSessionId()
  const [idA, idB] = [randomPeerId(), randomPeerId()]
  const codes: Partial<Record<'offer' | 'answer', string>> = {}
  const carry = (from: PeerId, to: SimplePeer.Instance) => async (data: unknown) => {
    const signal = data as Sdp
    const text = await encodeManualSignal({ ...signal, from, sid })
    codes[signal.type] = text
    const decoded = await decodeManualSignal(text)
    expect(decoded).toMatchObject({ type: signal.type, from, sid })
    to.signal({ type: decoded.type, sdp: decoded.sdp })
  }
  a.on('signal', carry(idA, b))
  b.on('signal', carry(idB, a))
  const received = new Promise<string>((resolve) =>
    b.on('data', (d: Uint8Array) => resolve(String(d))),
  )
  await new Promise<void>((resolve, reject) => {
    a.on('connect', resolve)
    a.on('error', reject)
  })
  a.send('over the codes')
  expect(await received).toBe('over the codes')
  a.destroy()
  b.destroy()
  return { offer: codes.offer!, answer: codes.answer! }
}

describe('manual pairing codes', () => {
  it('carry a real offer and answer compactly enough for a QR code', async () => {
    const { offer, answer } = await connectThroughCodes()
    expect(offer.startsWith('pp1.')).toBe(true)
    expect(offer.length).toBeLessThan(600)
    expect(answer.length).toBeLessThan(600)
  })

  it('fall back to a deflated SDP it cannot compact, and restore it exactly', async () => {
    const sdp =
      'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' +
      'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n'
    expect(compactSdp(sdp)).toBeUndefined()
    const signal = { type: 'offer' as const, from: randomPeerId(), sid: newSessionId(), sdp }
    const decoded = await decodeManualSignal(await encodeManualSignal(signal))
    expect(decoded).toEqual(signal)
  })

  it('tolerate white space from copy and paste', async () => {
    const { offer } = await connectThroughCodes()
    const wrapped = `  ${offer.slice(0, 40)}\n${offer.slice(40)}\n`
    expect((await decodeManualSignal(wrapped)).type).toBe('offer')
  })

  it('reject garbage with a clear error', async () => {
    await expect(decodeManualSignal('hello')).rejects.toThrow(/not a Peerplace pairing code/)
    await expect(decodeManualSignal('pp1.%%%')).rejects.toThrow(/damaged/)
    await expect(decodeManualSignal('pp1.AAAA')).rejects.toThrow(/damaged or incomplete/)
    const { offer } = await connectThroughCodes()
    await expect(decodeManualSignal(offer.slice(0, offer.length - 10))).rejects.toThrow(/damaged/)
    await expect(decodeManualSignal(offer + 'AAAA')).rejects.toThrow(/damaged/)
  })
})
