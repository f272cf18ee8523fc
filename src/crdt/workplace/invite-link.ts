import { isPeerId, type PeerId } from '../../peer/ids.ts'
import { fromBase64Url, toBase64Url } from '../../lib/base64.ts'
import { isRecord } from '../../lib/is-record.ts'
import { isSignedRecord, type SignedRecord } from '../membership/record.ts'
import { COMPACT_TOKEN_PREFIX, decodeCompactPayload, encodeCompactPayload } from './compact-link.ts'
import { isWorkplaceId } from './join-protocol.ts'

/**
 * What a link into a workplace carries. With `invite` it admits; without, it lets the holder
 * ask to join. It travels in the URL fragment, so no server ever sees it.
 */
export interface WorkplaceLink {
  workplace: string
  name: string
  /** Peers to reach first (the inviter, owners). */
  peers: PeerId[]
  /** Signaling endpoints to try, in order (relay WebSocket URLs). */
  endpoints: string[]
  invite?: SignedRecord
}

const LINK_VERSION = 1

export function encodeWorkplaceLink(base: string, link: WorkplaceLink): string {
  const payload = {
    v: LINK_VERSION,
    w: link.workplace,
    n: link.name,
    p: link.peers,
    s: link.endpoints,
    ...(link.invite ? { i: link.invite } : {}),
  }
  // The compact form when it carries the payload exactly (a much smaller QR code), else JSON.
  const token =
    encodeCompactPayload(payload) ?? toBase64Url(new TextEncoder().encode(JSON.stringify(payload)))
  const url = new URL(base)
  url.hash = `${link.invite ? 'join' : 'ask'}=${token}`
  return url.toString()
}

/** Reads a workplace link from a URL or its fragment; throws a clear Error if it is not one. */
export function decodeWorkplaceLink(urlOrHash: string): WorkplaceLink {
  const hash = urlOrHash.includes('#') ? urlOrHash.slice(urlOrHash.indexOf('#') + 1) : urlOrHash
  const match = /^(join|ask)=([A-Za-z0-9_-]+)$/.exec(hash)
  if (!match) throw new Error('This is not a Peerplace workplace link.')
  let p: Record<string, unknown>
  try {
    const token = match[2]!
    p = token.startsWith(COMPACT_TOKEN_PREFIX)
      ? decodeCompactPayload(token)
      : (JSON.parse(new TextDecoder().decode(fromBase64Url(token))) as Record<string, unknown>)
    // JSON that is no object (null, say) is as damaged as JSON that does not parse.
    if (!isRecord(p)) throw new Error('not an object')
  } catch {
    throw new Error('This workplace link is damaged (it could not be decoded).')
  }
  if (p.v !== LINK_VERSION)
    throw new Error('This workplace link is from another version of Peerplace.')
  const peers = Array.isArray(p.p) ? p.p.filter(isPeerId).slice(0, 16) : []
  const endpoints = Array.isArray(p.s)
    ? p.s.filter((s): s is string => typeof s === 'string' && /^wss?:\/\//.test(s)).slice(0, 8)
    : []
  if (!isWorkplaceId(p.w) || typeof p.n !== 'string') {
    throw new Error('This workplace link is damaged (no workplace in it).')
  }
  const link: WorkplaceLink = { workplace: p.w, name: p.n.slice(0, 200), peers, endpoints }
  if (match[1] === 'join') {
    if (!isSignedRecord(p.i) || p.i.body.kind !== 'invite') {
      throw new Error('This invite link is damaged (its invite is not valid).')
    }
    link.invite = p.i
  }
  return link
}

/** How many of a link's peers its QR form keeps: the inviter and the first owner. */
const QR_PEERS = 2

/**
 * The same link with only what first contact needs, for a QR code a phone reads from across a
 * table: no workplace name (the members send it once reached), the first peers, and no relay of
 * the link's own host (the app opened from it uses that one anyway). Old and new links decode
 * alike; the name shows once a member answers.
 */
export function qrCodeLink(url: string): string {
  const link = decodeWorkplaceLink(url)
  const base = new URL(url)
  base.hash = ''
  const sameHost = (endpoint: string) => {
    try {
      return new URL(endpoint).host === base.host
    } catch {
      return false
    }
  }
  return encodeWorkplaceLink(base.toString(), {
    ...link,
    name: '',
    peers: link.peers.slice(0, QR_PEERS),
    endpoints: link.endpoints.filter((e) => !sameHost(e)),
  })
}
