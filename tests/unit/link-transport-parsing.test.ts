import { describe, expect, it } from 'vitest'
import { channelIdForLabel, isChannelLabel } from '../../src/peer/transport/channel-id.ts'
import { pipeStatsFromReport } from '../../src/peer/transport/rtc-stats.ts'
import { connectionFingerprints, sdpFingerprint } from '../../src/peer/transport/sdp-fingerprint.ts'
import { isSimplePeerSignal } from '../../src/peer/transport/signal-data.ts'

const HEX =
  'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89'
const FLAT = HEX.replaceAll(':', '').toLowerCase()

describe('sdpFingerprint', () => {
  it('reads the sha-256 fingerprint at session or media level', () => {
    const session = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 ${HEX}\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n`
    const media = `v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=fingerprint:SHA-256 ${HEX}\r\n`
    expect(sdpFingerprint(session)).toBe(FLAT)
    expect(sdpFingerprint(media)).toBe(FLAT)
    expect(sdpFingerprint(`${session}a=fingerprint:sha-256 ${HEX}\r\n`)).toBe(FLAT)
  })

  it('refuses an SDP without one, and ignores other hash functions', () => {
    expect(() => sdpFingerprint('v=0\r\na=fingerprint:sha-1 AB:CD\r\n')).toThrow(/no sha-256/)
    expect(() => sdpFingerprint('a=fingerprint:sha-256 AB:CD\r\n')).toThrow(/no sha-256/)
  })
})

describe('connectionFingerprints', () => {
  const sdp = `v=0\r\na=fingerprint:sha-256 ${HEX}\r\n`
  const description = { type: 'answer', sdp } as RTCSessionDescription

  it('waits for a remote description the page does not show yet', async () => {
    const pc = {
      localDescription: description,
      remoteDescription: null as RTCSessionDescription | null,
      signalingState: 'have-local-offer' as RTCSignalingState,
    }
    setTimeout(() => (pc.remoteDescription = description), 60)
    await expect(connectionFingerprints(pc)).resolves.toEqual({ local: FLAT, remote: FLAT })
  })

  it('gives up when the descriptions never come or the connection closed', async () => {
    const pc = { localDescription: description, remoteDescription: null, signalingState: 'stable' }
    await expect(connectionFingerprints(pc as never, 100)).rejects.toThrow(/missing/)
    const closed = { ...pc, signalingState: 'closed' }
    await expect(connectionFingerprints(closed as never)).rejects.toThrow(/missing/)
  })
})

describe('channelIdForLabel', () => {
  it('is stable, inside the negotiated range and differs between common labels', () => {
    const labels = ['peerplace', 'bulk', 'extra', 'files', 'media']
    const ids = labels.map(channelIdForLabel)
    expect(ids).toEqual(labels.map(channelIdForLabel))
    expect(ids.every((id) => id >= 16 && id < 1024)).toBe(true)
    expect(new Set(ids).size).toBe(labels.length)
    expect(isChannelLabel('bulk')).toBe(true)
    expect(isChannelLabel('')).toBe(false)
    expect(isChannelLabel('a b')).toBe(false)
  })
})

describe('isSimplePeerSignal', () => {
  it('accepts offers, answers and candidates and nothing else', () => {
    expect(isSimplePeerSignal({ type: 'offer', sdp: 'v=0' })).toBe(true)
    expect(isSimplePeerSignal({ type: 'answer', sdp: 'v=0' })).toBe(true)
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' }
    expect(isSimplePeerSignal({ type: 'candidate', candidate })).toBe(true)
    expect(isSimplePeerSignal({ type: 'offer' })).toBe(false)
    expect(isSimplePeerSignal({ type: 'offer', sdp: 'x'.repeat(70_000) })).toBe(false)
    expect(isSimplePeerSignal({ type: 'candidate', candidate: { candidate: 5 } })).toBe(false)
    expect(isSimplePeerSignal({ type: 'renegotiate', renegotiate: true })).toBe(false)
    expect(isSimplePeerSignal(null)).toBe(false)
    expect(isSimplePeerSignal('offer')).toBe(false)
  })
})

describe('pipeStatsFromReport', () => {
  it('reads the selected candidate pair', () => {
    const report = new Map<string, Record<string, unknown>>([
      ['T', { type: 'transport', selectedCandidatePairId: 'P' }],
      ['Q', { type: 'candidate-pair', currentRoundTripTime: 9, bytesSent: 1 }],
      [
        'P',
        {
          type: 'candidate-pair',
          currentRoundTripTime: 0.012,
          bytesSent: 100,
          bytesReceived: 50,
          localCandidateId: 'L',
          remoteCandidateId: 'R',
        },
      ],
      ['L', { type: 'local-candidate', candidateType: 'host' }],
      ['R', { type: 'remote-candidate', candidateType: 'relay' }],
    ])
    expect(pipeStatsFromReport(report as unknown as RTCStatsReport)).toEqual({
      rttMs: 12,
      bytesSent: 100,
      bytesReceived: 50,
      localCandidateType: 'host',
      remoteCandidateType: 'relay',
    })
    expect(pipeStatsFromReport(new Map() as unknown as RTCStatsReport)).toEqual({
      rttMs: null,
      bytesSent: 0,
      bytesReceived: 0,
      localCandidateType: null,
      remoteCandidateType: null,
    })
  })
})
