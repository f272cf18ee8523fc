/**
 * The text of a manual pairing: one offer or answer, with the sender's peer ID and session id,
 * as `pp1.` + base64url of a small binary frame. The SDP inside is either compacted (see
 * sdp-compact.ts) or deflated whole; the encoder keeps whichever is shorter. Short enough for a
 * QR code: a host-candidates-only offer is a few hundred characters.
 */
import { isPeerId, type PeerId } from '../ids.ts'
import { isSessionId, type SessionId } from './signal-envelope.ts'
import { base32, base32Decode } from '../../lib/base32.ts'
import { fromBase64Url, toBase64Url } from '../../lib/base64.ts'
import { ByteReader, ByteWriter } from '../../lib/bytes.ts'
import {
  CANDIDATE_TYPES,
  compactSdp,
  expandSdp,
  SDP_SETUPS,
  type CompactCandidate,
  type CompactSdp,
} from './sdp-compact.ts'

export interface ManualSignal {
  type: 'offer' | 'answer'
  from: PeerId
  sid: SessionId
  sdp: string
}

const MANUAL_TEXT_PREFIX = 'pp1.'
const MAX_TEXT_CHARS = 16 * 1024
const MAX_SDP_BYTES = 32 * 1024
const ANSWER = 1
const DEFLATED = 2

export async function encodeManualSignal(signal: ManualSignal): Promise<string> {
  const header = new ByteWriter()
  const compact = compactSdp(signal.sdp)
  const deflated = await deflate(new TextEncoder().encode(signal.sdp))
  const compactBody = compact ? writeCompact(compact) : undefined
  const useCompact = compactBody !== undefined && compactBody.length <= deflated.length
  header.u8((signal.type === 'answer' ? ANSWER : 0) | (useCompact ? 0 : DEFLATED))
  header.bytes(base32Decode(signal.from))
  header.bytes(base32Decode(signal.sid))
  header.bytes(useCompact ? compactBody : deflated)
  return MANUAL_TEXT_PREFIX + toBase64Url(header.finish())
}

/** Parses pasted text; throws an Error that says what is wrong with it. */
export async function decodeManualSignal(text: string): Promise<ManualSignal> {
  const clean = text.replace(/\s+/g, '')
  if (!clean.startsWith(MANUAL_TEXT_PREFIX)) {
    throw new Error('this is not a Peerplace pairing code (it should start with "pp1.")')
  }
  if (clean.length > MAX_TEXT_CHARS) throw new Error('the pairing code is too long')
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(clean.slice(MANUAL_TEXT_PREFIX.length))
  } catch {
    throw new Error('the pairing code is damaged (not base64url)')
  }
  try {
    const reader = new ByteReader(bytes)
    const flags = reader.u8('flags')
    if (flags & ~(ANSWER | DEFLATED)) throw new Error('unknown flags')
    const from = base32(reader.bytes(20, 'sender'))
    const sid = base32(reader.bytes(10, 'session'))
    if (!isPeerId(from) || !isSessionId(sid)) throw new Error('bad sender or session')
    const sdp = flags & DEFLATED ? await inflateSdp(reader.rest()) : readCompact(reader)
    reader.end()
    return { type: flags & ANSWER ? 'answer' : 'offer', from, sid, sdp }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new Error(`the pairing code is damaged or incomplete (${detail})`, { cause: error })
  }
}

function writeCompact(sdp: CompactSdp): Uint8Array {
  const w = new ByteWriter()
  w.string8(sdp.ufrag)
  w.string8(sdp.pwd)
  w.bytes(sdp.fingerprint)
  const hasMax = sdp.maxMessageSize !== undefined
  w.u8(SDP_SETUPS.indexOf(sdp.setup) | (hasMax ? 4 : 0))
  if (sdp.maxMessageSize !== undefined) w.varint(sdp.maxMessageSize)
  w.u8(sdp.candidates.length)
  for (const candidate of sdp.candidates) {
    const address = encodeAddress(candidate.address)
    w.u8(CANDIDATE_TYPES.indexOf(candidate.type) | (address.kind << 2))
    w.bytes(address.bytes)
    w.u8(candidate.port >> 8)
    w.u8(candidate.port & 255)
  }
  return w.finish()
}

function readCompact(r: ByteReader): string {
  const ufrag = r.string8('ICE ufrag')
  const pwd = r.string8('ICE password')
  const fingerprint = r.bytes(32, 'fingerprint')
  const setupByte = r.u8('DTLS role')
  const setup = SDP_SETUPS[setupByte & 3]
  if (!setup || setupByte & ~7) throw new Error('bad DTLS role')
  const maxMessageSize = setupByte & 4 ? r.varint('max message size') : undefined
  const count = r.u8('candidate count')
  if (count > 16) throw new Error('too many candidates')
  const candidates: CompactCandidate[] = []
  for (let i = 0; i < count; i++) {
    const head = r.u8('candidate')
    const type = CANDIDATE_TYPES[head & 3]
    if (!type || head & ~15) throw new Error('bad candidate')
    const address = decodeAddress(head >> 2, r)
    const port = (r.u8('candidate port') << 8) | r.u8('candidate port')
    if (port === 0) throw new Error('bad candidate port')
    candidates.push({ type, address, port })
  }
  if (!/^[A-Za-z0-9+/]+$/.test(ufrag + pwd)) throw new Error('bad ICE credentials')
  return expandSdp({ ufrag, pwd, fingerprint, setup, maxMessageSize, candidates })
}

const AddressKind = { IPv4: 0, IPv6: 1, Mdns: 2, Name: 3 } as const
type AddressKind = (typeof AddressKind)[keyof typeof AddressKind]
const MDNS = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\.local$/

function encodeAddress(address: string): { kind: AddressKind; bytes: Uint8Array } {
  const v4 = parseIPv4(address)
  if (v4) return { kind: AddressKind.IPv4, bytes: v4 }
  const v6 = parseIPv6(address)
  if (v6) return { kind: AddressKind.IPv6, bytes: v6 }
  const mdns = MDNS.exec(address)
  if (mdns) return { kind: AddressKind.Mdns, bytes: hexBytes(mdns.slice(1).join('')) }
  const name = new TextEncoder().encode(address)
  return { kind: AddressKind.Name, bytes: Uint8Array.of(name.length, ...name) }
}

function decodeAddress(kind: number, r: ByteReader): string {
  switch (kind) {
    case AddressKind.IPv4:
      return [...r.bytes(4, 'IPv4 address')].join('.')
    case AddressKind.IPv6: {
      const b = r.bytes(16, 'IPv6 address')
      const groups = Array.from({ length: 8 }, (_, i) =>
        ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16),
      )
      return groups.join(':')
    }
    case AddressKind.Mdns: {
      const hex = [...r.bytes(16, 'mDNS name')].map((x) => x.toString(16).padStart(2, '0')).join('')
      const parts = [
        hex.slice(0, 8),
        hex.slice(8, 12),
        hex.slice(12, 16),
        hex.slice(16, 20),
        hex.slice(20),
      ]
      return `${parts.join('-')}.local`
    }
    default: {
      const name = r.string8('host name')
      if (!/^[A-Za-z0-9.:-]{1,253}$/.test(name)) throw new Error('bad candidate address')
      return name
    }
  }
}

function parseIPv4(address: string): Uint8Array | undefined {
  const parts = address.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return
  return Uint8Array.from(parts, Number)
}

function parseIPv6(address: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:]{2,39}$/.test(address)) return
  const halves = address.split('::')
  if (halves.length > 2) return
  const split = (s: string) => (s === '' ? [] : s.split(':'))
  const head = split(halves[0]!)
  const tail = halves.length === 2 ? split(halves[1]!) : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail]
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return
  return Uint8Array.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]))
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return pipeThrough(bytes, new CompressionStream('deflate-raw'))
}

async function inflateSdp(bytes: Uint8Array): Promise<string> {
  const inflated = await pipeThrough(bytes, new DecompressionStream('deflate-raw'), MAX_SDP_BYTES)
  const sdp = new TextDecoder('utf-8', { fatal: true }).decode(inflated)
  if (!sdp.startsWith('v=0')) throw new Error('the SDP inside is not an SDP')
  return sdp
}

/** Runs bytes through a (de)compression stream, refusing output beyond `limit` bytes. */
async function pipeThrough(
  bytes: Uint8Array,
  transform: CompressionStream | DecompressionStream,
  limit = Infinity,
): Promise<Uint8Array> {
  const writer = transform.writable.getWriter()
  void writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {})
  void writer.close().catch(() => {})
  const chunks: Uint8Array[] = []
  let length = 0
  const reader = transform.readable.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    length += value.length
    if (length > limit) {
      await reader.cancel()
      throw new Error('the SDP inside is too large')
    }
    chunks.push(value)
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
