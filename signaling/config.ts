import { MAX_MESSAGE_BYTES } from '../src/peer/signaling/relay-protocol.ts'

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string, error?: unknown): void
}

/** Per-connection and per-server limits of the relay. */
export interface RelayLimits {
  /** Largest accepted frame, in bytes; larger ones get a "too-large" error. */
  maxMessageBytes: number
  /** Deepest nesting of arrays and objects accepted in a frame. */
  maxJsonDepth: number
  /** Sustained frames per second per connection (token bucket)... */
  messagesPerSecond: number
  /** ...and how many may come at once. */
  burst: number
  maxTopicsPerConnection: number
  /** A topic already joined may be joined again (to refresh its peer list) this often (after a
   * burst of three). */
  rejoinIntervalMs: number
  /**
   * Outbound budget of one socket: bytes queued for a client that does not read. Past it,
   * signals to it are dropped ("busy" to their sender) and other frames close it (1013).
   */
  maxBufferedBytes: number
  /** Signal bytes per second one client may receive, whoever sends them... */
  recipientBytesPerSecond: number
  /** ...and how many may come at once. */
  recipientBurstBytes: number
  /** Relay sockets in all. */
  maxConnections: number
  /** Relay sockets of one address (an IPv6 /64 counts as one). */
  maxConnectionsPerAddress: number
  /** Sockets that have not authenticated yet, in all... */
  maxPendingConnections: number
  /** ...and of one address. */
  maxPendingPerAddress: number
  /** Errors a client may cause per minute before it is disconnected. */
  maxViolationsPerMinute: number
  /** Time a new connection has to authenticate. */
  authTimeoutMs: number
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxMessageBytes: MAX_MESSAGE_BYTES,
  maxJsonDepth: 32,
  messagesPerSecond: 20,
  burst: 50,
  maxTopicsPerConnection: 32,
  rejoinIntervalMs: 5000,
  maxBufferedBytes: 2 * 1024 * 1024,
  recipientBytesPerSecond: 256 * 1024,
  recipientBurstBytes: 1024 * 1024,
  maxConnections: 20_000,
  maxConnectionsPerAddress: 64,
  maxPendingConnections: 1000,
  maxPendingPerAddress: 8,
  maxViolationsPerMinute: 10,
  authTimeoutMs: 5000,
}

export const consoleLogger: Logger = {
  debug: () => {},
  info: (message) => console.info(`[relay] ${message}`),
  warn: (message) => console.warn(`[relay] ${message}`),
  error: (message, error) => console.error(`[relay] ${message}`, error ?? ''),
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
}
