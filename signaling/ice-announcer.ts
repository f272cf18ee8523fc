/**
 * Serves the ICE servers the app should use (see src/peer/signaling/ice-announcement.ts):
 * configured STUN URLs, or this server's own STUN responder under the host name the request
 * used, and TURN URLs with per-device short-lived credentials.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  ICE_ANNOUNCEMENT_VERSION,
  peerOfRequest,
  type IceAnnouncement,
} from '../src/peer/signaling/ice-announcement.ts'
import { isPeerId } from '../src/peer/ids.ts'
import { turnCredentials } from './turn-credentials.ts'

export interface IceOptions {
  /** STUN URLs to announce, e.g. "stun:stun.example.org:3478". */
  stun?: string[]
  /**
   * The UDP port of this server's own STUN responder; announced as stun:<request host>:<port>
   * when `stun` names none.
   */
  stunPort?: number
  /** TURN URLs, e.g. "turn:turn.example.org:3478?transport=udp"; announced only with a secret. */
  turn?: string[]
  /** The secret shared with the TURN server (coturn's static-auth-secret). */
  turnSecret?: string
  /** Lifetime of issued TURN credentials. Default 6 hours. */
  turnTtlSeconds?: number
}

const DEFAULT_TURN_TTL_SECONDS = 6 * 3600

const HOST_NAME = /^(?:[A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}$|^\[[0-9A-Fa-f:.]{2,45}\]$/

/** The announcement for one request; an error text when the request is malformed. */
function announcementFor(
  options: IceOptions,
  url: URL,
  hostHeader: string | undefined,
  nowMs = Date.now(),
): IceAnnouncement | string {
  const peer = peerOfRequest(url)
  if (!isPeerId(peer)) return peer
  const iceServers: RTCIceServer[] = []
  const stun = options.stun ?? []
  if (stun.length > 0) iceServers.push({ urls: stun })
  else if (options.stunPort !== undefined) {
    const host = hostOf(hostHeader)
    if (host) iceServers.push({ urls: `stun:${host}:${options.stunPort}` })
  }
  let ttlSeconds = 0
  if (options.turn && options.turn.length > 0 && options.turnSecret) {
    ttlSeconds = options.turnTtlSeconds ?? DEFAULT_TURN_TTL_SECONDS
    const { username, credential } = turnCredentials(options.turnSecret, peer, ttlSeconds, nowMs)
    iceServers.push({ urls: options.turn, username, credential })
  }
  return { v: ICE_ANNOUNCEMENT_VERSION, iceServers, ttlSeconds }
}

/** Answers GET /ice-servers. */
export function serveIceAnnouncement(
  options: IceOptions,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    // Credentials are per device, not secret from other origins: any app may ask.
    'Access-Control-Allow-Origin': '*',
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end('{"error":"use GET"}')
    return
  }
  const url = new URL(request.url ?? '/', 'http://relay')
  const announcement = announcementFor(options, url, request.headers.host)
  if (typeof announcement === 'string') {
    response.writeHead(400, headers).end(JSON.stringify({ error: announcement }))
    return
  }
  response.writeHead(200, headers).end(JSON.stringify(announcement))
}

/** The host name of a Host header ("example.org:8787" -> "example.org"), if well-formed. */
function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined
  const host = header.startsWith('[')
    ? header.slice(0, header.indexOf(']') + 1)
    : header.split(':')[0]
  return host && HOST_NAME.test(host) ? host : undefined
}
