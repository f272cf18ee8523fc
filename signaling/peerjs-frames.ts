import { jsonDepthExceeds } from './json-depth.ts'

/** What the broker accepts from one client, checked before the `peer` package sees a frame. */
export interface BrokerLimits {
  maxFrameBytes: number
  maxJsonDepth: number
  /** Sustained frames per second per socket... */
  framesPerSecond: number
  /** ...and how many may come at once. Past this the socket is closed. */
  burst: number
  /** Bytes queued for one socket that does not read; past it, frames to it are dropped. */
  maxBufferedBytes: number
  /** Sockets per address group. */
  maxConnectionsPerAddress: number
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxFrameBytes: 48 * 1024,
  maxJsonDepth: 16,
  framesPerSecond: 50,
  burst: 200,
  maxBufferedBytes: 1024 * 1024,
  maxConnectionsPerAddress: 256,
}

/** The frame types a PeerJS client sends to its broker. */
const RELAYED = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE'])

export type BrokerFrame =
  | { ok: true; type: 'HEARTBEAT' }
  | { ok: true; type: 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE'; dst: string }
  | { ok: false; error: string }

/** Checks one client frame: size, nesting, JSON, a known type, and the fields the broker reads. */
export function checkBrokerFrame(text: string, limits: BrokerLimits): BrokerFrame {
  if (Buffer.byteLength(text) > limits.maxFrameBytes) {
    return { ok: false, error: `frames are limited to ${limits.maxFrameBytes} bytes` }
  }
  if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
    return { ok: false, error: `JSON may nest at most ${limits.maxJsonDepth} levels` }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, error: 'the frame is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'a frame must be a JSON object' }
  }
  const { type, dst, payload } = value as Record<string, unknown>
  if (type === 'HEARTBEAT') return { ok: true, type }
  if (typeof type !== 'string' || !RELAYED.has(type)) {
    return { ok: false, error: `unknown frame type ${JSON.stringify(type)?.slice(0, 40)}` }
  }
  if (typeof dst !== 'string' || dst.length === 0 || dst.length > 128) {
    return { ok: false, error: `${type} needs a "dst" ID` }
  }
  if (type !== 'LEAVE' && (typeof payload !== 'object' || payload === null)) {
    return { ok: false, error: `${type} needs an object "payload"` }
  }
  return { ok: true, type: type as 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE', dst }
}
