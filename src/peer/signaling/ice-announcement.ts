/**
 * The ICE servers a Peerplace server announces to its app, shared by the server (signaling/)
 * and the browser. `GET /ice-servers?peer=<peerId>` answers one JSON object:
 * `{ v: 1, iceServers: RTCIceServer[], ttlSeconds }`. TURN entries carry per-device
 * credentials (TURN REST scheme) that expire after `ttlSeconds`; the app fetches again before.
 */
import { isPeerId, type PeerId } from '../ids.ts'
import { shownValue } from '../../lib/shown-value.ts'

export const ICE_ANNOUNCEMENT_VERSION = 1

/** Where the announcement is served on the server's origin. */
export const ICE_SERVERS_PATH = '/ice-servers'

export interface IceAnnouncement {
  v: typeof ICE_ANNOUNCEMENT_VERSION
  iceServers: RTCIceServer[]
  /** How long the credentials in `iceServers` stay valid; 0 when there are none. */
  ttlSeconds: number
}

const MAX_SERVERS = 8
const MAX_URLS = 8
const MAX_TTL_SECONDS = 7 * 24 * 3600
const ICE_URL = /^(stun|turns?):[^\s]{1,500}$/

/** The announcement URL for `peer` on the server at `origin` (http:, https:, ws: or wss:). */
export function iceAnnouncementUrl(origin: string, peer: PeerId): string {
  const url = new URL(ICE_SERVERS_PATH, origin)
  if (url.protocol === 'ws:') url.protocol = 'http:'
  if (url.protocol === 'wss:') url.protocol = 'https:'
  url.searchParams.set('peer', peer)
  return url.href
}

/** The peer an announcement request is for, or an error text. */
export function peerOfRequest(url: URL): PeerId | string {
  const peer = url.searchParams.get('peer')
  return isPeerId(peer) ? peer : 'the query needs peer=<peer ID>'
}

/** A validated announcement, or an error text saying what is wrong with `raw`. */
export function parseIceAnnouncement(raw: unknown): IceAnnouncement | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object'
  const r = raw as Record<string, unknown>
  if (r.v !== ICE_ANNOUNCEMENT_VERSION) {
    return `unsupported version ${shownValue(r.v)}`
  }
  const ttl = r.ttlSeconds
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS) {
    return 'bad ttlSeconds'
  }
  if (!Array.isArray(r.iceServers) || r.iceServers.length > MAX_SERVERS) return 'bad iceServers'
  const iceServers: RTCIceServer[] = []
  for (const entry of r.iceServers) {
    const server = parseIceServer(entry)
    if (typeof server === 'string') return server
    iceServers.push(server)
  }
  return { v: ICE_ANNOUNCEMENT_VERSION, iceServers, ttlSeconds: ttl }
}

function parseIceServer(raw: unknown): RTCIceServer | string {
  if (typeof raw !== 'object' || raw === null) return 'an ICE server is not an object'
  const r = raw as Record<string, unknown>
  const urls = Array.isArray(r.urls) ? r.urls : [r.urls]
  if (urls.length === 0 || urls.length > MAX_URLS) return 'an ICE server has no urls'
  if (!urls.every((u): u is string => typeof u === 'string' && ICE_URL.test(u))) {
    return 'an ICE server has a bad url'
  }
  const server: RTCIceServer = { urls }
  for (const key of ['username', 'credential'] as const) {
    const value = r[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length > 512) return `an ICE server has a bad ${key}`
    server[key] = value
  }
  return server
}
