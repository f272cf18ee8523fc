/**
 * The envelope in which the carrier connector sends WebRTC signals through a SignalCarrier.
 * Carriers treat it as opaque; the connector and the manual codec parse it. Versioned so both
 * ends can refuse what they do not understand.
 */

const ENVELOPE_VERSION = 1

/** 16 base32 characters (80 random bits): names one connection attempt between two peers. */
export type SessionId = string & { readonly __brand: 'SessionId' }

export type SdpSignal = { type: 'offer' | 'answer'; sdp: string }
type CandidateSignal = {
  type?: 'candidate'
  candidate: {
    candidate: string
    sdpMLineIndex?: number | null
    sdpMid?: string | null
    usernameFragment?: string | null
  }
}
/** What simple-peer emits and accepts, narrowed to what a data-channel connection uses. */
export type RtcSignal = SdpSignal | CandidateSignal | { type?: 'renegotiate'; renegotiate: true }

export type SignalEnvelope =
  | { v: typeof ENVELOPE_VERSION; kind: 'rtc'; sid: SessionId; data: RtcSignal }
  /** The sender gave up on a session (timeout, abort, lost a glare); the receiver drops it. */
  | { v: typeof ENVELOPE_VERSION; kind: 'bye'; sid: SessionId; reason: string }

export type ParsedEnvelope = { ok: true; envelope: SignalEnvelope } | { ok: false; error: string }

const SESSION_ID = /^[a-z2-7]{16}$/
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
/** SDPs of a data-channel connection are a few KiB; this bounds what we hand to WebRTC. */
const MAX_SDP_CHARS = 32 * 1024
const MAX_CANDIDATE_CHARS = 1024
const MAX_REASON_CHARS = 200

export function isSessionId(value: unknown): value is SessionId {
  return typeof value === 'string' && SESSION_ID.test(value)
}

export function newSessionId(): SessionId {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let id = ''
  for (const byte of bytes) id += BASE32[byte & 31]
  return id as SessionId
}

export function rtcEnvelope(sid: SessionId, data: RtcSignal): SignalEnvelope {
  return { v: ENVELOPE_VERSION, kind: 'rtc', sid, data }
}

export function byeEnvelope(sid: SessionId, reason: string): SignalEnvelope {
  return { v: ENVELOPE_VERSION, kind: 'bye', sid, reason: reason.slice(0, MAX_REASON_CHARS) }
}

export function isOffer(signal: RtcSignal): signal is SdpSignal {
  return 'sdp' in signal && signal.type === 'offer'
}

/** Validates an inbound envelope; the error says what was wrong, for the log. */
export function parseEnvelope(value: unknown): ParsedEnvelope {
  if (!isRecord(value)) return fail('the signal is not an object')
  if (value.v !== ENVELOPE_VERSION) return fail(`unsupported envelope version ${str(value.v)}`)
  if (!isSessionId(value.sid)) return fail('the envelope has no valid session id')
  if (value.kind === 'bye') {
    const reason = typeof value.reason === 'string' ? value.reason : ''
    return { ok: true, envelope: byeEnvelope(value.sid, reason) }
  }
  if (value.kind !== 'rtc') return fail(`unknown envelope kind ${str(value.kind)}`)
  const data = parseRtcSignal(value.data)
  if (typeof data === 'string') return fail(data)
  return { ok: true, envelope: rtcEnvelope(value.sid, data) }
}

/** Validates a simple-peer signal; returns a clean copy, or the reason it is invalid. */
export function parseRtcSignal(value: unknown): RtcSignal | string {
  if (!isRecord(value)) return 'the rtc signal is not an object'
  if (value.type === 'offer' || value.type === 'answer') {
    if (typeof value.sdp !== 'string' || value.sdp.length === 0) return 'the SDP is missing'
    if (value.sdp.length > MAX_SDP_CHARS) return 'the SDP is too large'
    if (!value.sdp.startsWith('v=0')) return 'the SDP does not start with v=0'
    return { type: value.type, sdp: value.sdp }
  }
  if (value.renegotiate === true) return { type: 'renegotiate', renegotiate: true }
  const candidate = value.candidate
  if (!isRecord(candidate)) return 'the rtc signal is neither an SDP nor a candidate'
  if (typeof candidate.candidate !== 'string') return 'the candidate has no candidate line'
  if (candidate.candidate.length > MAX_CANDIDATE_CHARS) return 'the candidate is too large'
  const clean: CandidateSignal['candidate'] = { candidate: candidate.candidate }
  if (typeof candidate.sdpMLineIndex === 'number' && Number.isInteger(candidate.sdpMLineIndex)) {
    clean.sdpMLineIndex = candidate.sdpMLineIndex
  }
  if (typeof candidate.sdpMid === 'string' && candidate.sdpMid.length <= 64) {
    clean.sdpMid = candidate.sdpMid
  }
  if (typeof candidate.usernameFragment === 'string' && candidate.usernameFragment.length <= 256) {
    clean.usernameFragment = candidate.usernameFragment
  }
  if (clean.sdpMLineIndex === undefined && clean.sdpMid === undefined) {
    return 'the candidate has neither sdpMid nor sdpMLineIndex'
  }
  return { type: 'candidate', candidate: clean }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 40) ?? String(value)
}

function fail(error: string): ParsedEnvelope {
  return { ok: false, error }
}
