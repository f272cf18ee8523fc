/**
 * A compact binary form of a workplace link's payload, about half the length of its JSON, so
 * its QR code has far fewer modules and scans easily. Peer IDs, the signer's key and the
 * signature travel as raw bytes; fields that repeat are flagged, not repeated.
 *
 * The decoder rebuilds the very same payload object the JSON form carries, so the caller
 * validates it the same way. The encoder only answers when that rebuild is exact (else the
 * caller keeps JSON): a signed invite must come back byte for byte or its signature fails.
 */
import { canonicalJson } from '../../lib/canonical-json.ts'
import { base32, base32Decode } from '../../lib/base32.ts'
import { fromBase64Url, toBase64Url } from '../../lib/base64.ts'
import { ByteReader, ByteWriter } from '../../lib/bytes.ts'
import { isPeerId } from '../../peer/ids.ts'

/** Tokens of this form start with this letter (JSON tokens always start with "e"). */
export const COMPACT_TOKEN_PREFIX = 'b'

const FORMAT = 2
const HAS_INVITE = 1 << 4
const SAME_WORKPLACE = 1 << 5
const SIGNER_IS_FIRST_PEER = 1 << 6
const MAX_ITEMS = 64
const MAX_TEXT_BYTES = 4096
const MAX_TOKEN_CHARS = 16 * 1024

/** The JSON payload of a link as invite-link.ts writes it (v1). */
type Payload = Record<string, unknown>

/** The compact token for a payload, or null when it cannot be carried exactly. */
export function encodeCompactPayload(payload: Payload): string | null {
  try {
    const token = COMPACT_TOKEN_PREFIX + toBase64Url(write(payload))
    return canonicalJson(decodeCompactPayload(token)) === canonicalJson(payload) ? token : null
  } catch {
    return null
  }
}

/** The payload of a compact token; throws an Error if the token is damaged. */
export function decodeCompactPayload(token: string): Payload {
  if (!token.startsWith(COMPACT_TOKEN_PREFIX) || token.length > MAX_TOKEN_CHARS) {
    throw new Error('not a compact link')
  }
  return read(new ByteReader(fromBase64Url(token.slice(COMPACT_TOKEN_PREFIX.length))))
}

function write(p: Payload): Uint8Array {
  const peers = strings(p.p)
  const endpoints = strings(p.s)
  const invite = p.i as { body?: Record<string, unknown>; sig?: unknown } | undefined
  const body = invite?.body
  if (invite && (!body || typeof invite.sig !== 'string')) throw new Error('odd invite')
  let flags = FORMAT
  if (invite) flags |= HAS_INVITE
  if (body && body.workplace === p.w) flags |= SAME_WORKPLACE
  if (body && peers.length > 0 && body.by === peers[0]) flags |= SIGNER_IS_FIRST_PEER

  const w = new ByteWriter()
  w.u8(flags)
  text(w, p.w)
  text(w, p.n)
  w.varint(peers.length)
  for (const peer of peers) peerBytes(w, peer)
  w.varint(endpoints.length)
  for (const endpoint of endpoints) text(w, endpoint)
  if (body && invite) {
    text(w, body.inviteId)
    for (const n of [body.expiresAt, body.maxUses, body.clock, body.at]) w.varint(count(n))
    if (!(flags & SAME_WORKPLACE)) text(w, body.workplace)
    if (!(flags & SIGNER_IS_FIRST_PEER)) peerBytes(w, body.by)
    raw(w, body.byKey)
    raw(w, invite.sig)
  }
  return w.finish()
}

function read(r: ByteReader): Payload {
  const flags = r.u8('flags')
  if ((flags & 15) !== FORMAT) throw new Error('unknown compact link format')
  const workplace = readText(r)
  const name = readText(r)
  const peers = list(r, () => base32(r.bytes(20, 'peer')))
  const endpoints = list(r, () => readText(r))
  const payload: Payload = { v: 1, w: workplace, n: name, p: peers, s: endpoints }
  if (flags & HAS_INVITE) {
    const inviteId = readText(r)
    const [expiresAt, maxUses, clock, at] = [
      r.varint('expiry'),
      r.varint('uses'),
      r.varint('clock'),
      r.varint('time'),
    ]
    const inviteWorkplace = flags & SAME_WORKPLACE ? workplace : readText(r)
    const by = flags & SIGNER_IS_FIRST_PEER ? peers[0] : base32(r.bytes(20, 'peer'))
    if (by === undefined) throw new Error('no signer')
    const byKey = toBase64Url(r.bytes(r.varint('key length'), 'key'))
    const sig = toBase64Url(r.bytes(r.varint('signature length'), 'signature'))
    payload.i = {
      body: {
        v: 1,
        workplace: inviteWorkplace,
        by,
        byKey,
        clock,
        at,
        kind: 'invite',
        inviteId,
        expiresAt,
        maxUses,
      },
      sig,
    }
  }
  r.end()
  return payload
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error('not a list of strings')
  }
  return value as string[]
}

function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error('not a count')
  }
  return value
}

function text(w: ByteWriter, value: unknown): void {
  if (typeof value !== 'string') throw new Error('not a text')
  const bytes = new TextEncoder().encode(value)
  if (bytes.length > MAX_TEXT_BYTES) throw new Error('text too long')
  w.varint(bytes.length)
  w.bytes(bytes)
}

function readText(r: ByteReader): string {
  const length = r.varint('text length')
  if (length > MAX_TEXT_BYTES) throw new Error('text too long')
  return new TextDecoder('utf-8', { fatal: true }).decode(r.bytes(length, 'text'))
}

function peerBytes(w: ByteWriter, value: unknown): void {
  if (!isPeerId(value)) throw new Error('not a peer ID')
  w.bytes(base32Decode(value))
}

function raw(w: ByteWriter, value: unknown): void {
  const bytes = typeof value === 'string' ? fromBase64Url(value) : undefined
  if (!bytes || bytes.length > MAX_TEXT_BYTES) throw new Error('not bytes')
  w.varint(bytes.length)
  w.bytes(bytes)
}

function list<T>(r: ByteReader, item: () => T): T[] {
  const length = r.varint('list length')
  if (length > MAX_ITEMS) throw new Error('too many items')
  return Array.from({ length }, item)
}
