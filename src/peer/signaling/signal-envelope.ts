import { shownValue } from '../../lib/shown-value.ts'
import { isRecord } from '../../lib/is-record.ts'
/**
 * The envelope in which the carrier connector sends WebRTC signals through a SignalCarrier.
 * Carriers treat it as opaque; the connector and the manual codec parse it. Versioned so both
 * ends can refuse what they do not understand.
 *
 * Version 1: one signal ('rtc') or a give-up ('bye'). Version 2 adds 'rtcs', several signals of
 * one session in order (an offer with the candidates gathered with it), so a dial costs a few
 * relay messages rather than one per ICE candidate. Single signals still go as version 1.
 */

const ENVELOPE_VERSION = 1
const BATCH_ENVELOPE_VERSION = 2
/** Signals in one 'rtcs' envelope, at most. */
export const MAX_BATCH_SIGNALS = 32

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
  | { v: typeof BATCH_ENVELOPE_VERSION; kind: 'rtcs'; sid: SessionId; data: RtcSignal[] }
  /** The sender gave up on a session (timeout, abort, lost a glare); the receiver drops it. */
  | { v: typeof ENVELOPE_VERSION; kind: 'bye'; sid: SessionId; reason: string }

/** An envelope holding one signal: what a session handles ('rtcs' is split into these). */
export type SingleEnvelope = Exclude<SignalEnvelope, { kind: 'rtcs' }>

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

export function rtcEnvelope(sid: SessionId, data: RtcSignal): SingleEnvelope {
  return { v: ENVELOPE_VERSION, kind: 'rtc', sid, data }
}

/** Signals of one session, in order: one 'rtc' envelope for one, else 'rtcs' envelopes. */
export function rtcEnvelopes(sid: SessionId, signals: readonly RtcSignal[]): SignalEnvelope[] {
  if (signals.length === 1) return [rtcEnvelope(sid, signals[0]!)]
  const envelopes: SignalEnvelope[] = []
  for (let at = 0; at < signals.length; at += MAX_BATCH_SIGNALS) {
    const data = signals.slice(at, at + MAX_BATCH_SIGNALS)
    envelopes.push({ v: BATCH_ENVELOPE_VERSION, kind: 'rtcs', sid, data })
  }
  return envelopes
}

/** The single-signal envelopes an envelope stands for, in order. */
export function splitEnvelope(envelope: SignalEnvelope): SingleEnvelope[] {
  if (envelope.kind !== 'rtcs') return [envelope]
  return envelope.data.map((signal) => rtcEnvelope(envelope.sid, signal))
}

export function byeEnvelope(sid: SessionId, reason: string): SingleEnvelope {
  return { v: ENVELOPE_VERSION, kind: 'bye', sid, reason: reason.slice(0, MAX_REASON_CHARS) }
}

export function isOffer(signal: RtcSignal): signal is SdpSignal {
  return 'sdp' in signal && signal.type === 'offer'
}

/** Validates an inbound envelope; the error says what was wrong, for the log. */
export function parseEnvelope(value: unknown): ParsedEnvelope {
  if (!isRecord(value)) return fail('the signal is not an object')
  if (value.v !== ENVELOPE_VERSION && value.v !== BATCH_ENVELOPE_VERSION) {
    return fail(`unsupported envelope version ${shownValue(value.v)}`)
  }
  if (!isSessionId(value.sid)) return fail('the envelope has no valid session id')
  if (value.kind === 'rtcs') {
    if (value.v !== BATCH_ENVELOPE_VERSION) return fail('a signal batch needs envelope version 2')
    if (!Array.isArray(value.data) || value.data.length === 0) {
      return fail('the signal batch is not a list of signals')
    }
    if (value.data.length > MAX_BATCH_SIGNALS) return fail('the signal batch is too long')
    const signals: RtcSignal[] = []
    for (const item of value.data as unknown[]) {
      const signal = parseRtcSignal(item)
      if (typeof signal === 'string') return fail(`in a signal batch: ${signal}`)
      signals.push(signal)
    }
    return {
      ok: true,
      envelope: { v: BATCH_ENVELOPE_VERSION, kind: 'rtcs', sid: value.sid, data: signals },
    }
  }
  if (value.kind === 'bye') {
    const reason = typeof value.reason === 'string' ? value.reason : ''
    return { ok: true, envelope: byeEnvelope(value.sid, reason) }
  }
  if (value.kind !== 'rtc') return fail(`unknown envelope kind ${shownValue(value.kind)}`)
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

function fail(error: string): ParsedEnvelope {
  return { ok: false, error }
}
