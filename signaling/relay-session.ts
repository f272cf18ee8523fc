import { fromBase64, toBase64 } from '../src/lib/base64.ts'
import { randomBytes } from 'node:crypto'
import type { RawData, WebSocket } from 'ws'
import type { PeerId, Topic } from '../src/peer/ids.ts'
import { peerIdFromPublicKey } from '../src/peer/identity/peer-id.ts'
import { verifyEd25519 } from '../src/peer/identity/verify.ts'
import {
  RELAY_PROTOCOL_VERSION,
  encodeMessage,
  parseClientMessage,
  relayAuthMessage,
  type ClientMessage,
  type RelayErrorCode,
  type ServerMessage,
} from '../src/peer/signaling/relay-protocol.ts'
import type { Logger, RelayLimits } from './config.ts'
import { jsonDepthExceeds } from './json-depth.ts'
import { refusal, type HubMember, type RelayHub } from './relay-hub.ts'
import type { RelayMetrics } from './relay-metrics.ts'
import { TokenBucket } from './rate-limiter.ts'

const POLICY_VIOLATION = 1008
const TRY_AGAIN_LATER = 1013
/** How long a closing slow reader may keep its buffer before the socket is cut. */
const CLOSE_GRACE_MS = 1000
/** Repeated joins answered at once before the rejoin interval applies. */
const REJOIN_BURST = 3
const REPLACED = 4001

type Phase = 'challenged' | 'verifying' | 'member' | 'closed'

/**
 * One WebSocket connection: challenges the client, checks its proof of key, then turns its
 * requests into hub operations. Every frame is validated; a bad one gets an error frame and is
 * dropped, and a client that keeps sending bad ones is disconnected.
 */
export class RelaySession implements HubMember {
  readonly topics = new Map<Topic, string>()
  readonly nearbyRoom: string
  /** Cleared by each heartbeat, set by a pong: a client that reads its frames answers. */
  alive = true

  readonly #socket: WebSocket
  readonly #hub: RelayHub
  readonly #limits: RelayLimits
  readonly #logger: Logger
  readonly #metrics: RelayMetrics | undefined
  #label: string
  readonly #nonce = toBase64(randomBytes(32))
  readonly #rate: TokenBucket
  readonly #violations: TokenBucket
  /** Signal bytes this client may still receive (per-recipient rate). */
  readonly #inbound: TokenBucket
  /** Repeated joins of a topic already joined, each answered with its whole peer list. */
  readonly #rejoins: TokenBucket
  readonly #authTimer: NodeJS.Timeout
  #phase: Phase = 'challenged'
  #peerId: PeerId | undefined
  readonly #onAuthenticated: () => void
  readonly #onClose: (pending: boolean) => void

  constructor(options: {
    socket: WebSocket
    hub: RelayHub
    limits: RelayLimits
    logger: Logger
    /** Counts this connection's violations. */
    metrics?: RelayMetrics
    address: string
    nearbyRoom: string
    /** The client proved its key. */
    onAuthenticated?: () => void
    /** The connection ended; `pending` if it never authenticated. */
    onClose: (pending: boolean) => void
  }) {
    this.#socket = options.socket
    this.#hub = options.hub
    this.#limits = options.limits
    this.#logger = options.logger
    this.#metrics = options.metrics
    this.#label = options.address
    this.nearbyRoom = options.nearbyRoom
    this.#onClose = options.onClose
    this.#onAuthenticated = options.onAuthenticated ?? (() => {})
    const { messagesPerSecond, burst, maxViolationsPerMinute } = options.limits
    this.#rate = new TokenBucket(messagesPerSecond, burst)
    this.#violations = new TokenBucket(maxViolationsPerMinute / 60, maxViolationsPerMinute)
    this.#rejoins = new TokenBucket(1000 / options.limits.rejoinIntervalMs, REJOIN_BURST)
    this.#inbound = new TokenBucket(
      options.limits.recipientBytesPerSecond,
      options.limits.recipientBurstBytes,
    )
    this.#authTimer = setTimeout(
      () => this.#closeWith('auth-timeout', 'no hello before the time limit', POLICY_VIOLATION),
      options.limits.authTimeoutMs,
    )

    const socket = options.socket
    socket.on('message', (data, isBinary) => this.#guarded(data, isBinary))
    socket.on('pong', () => (this.alive = true))
    socket.on('error', (error) => this.#logger.debug(`${this.#label}: socket error ${error}`))
    socket.on('close', () => this.#closed())
    this.send({ type: 'challenge', nonce: this.#nonce, version: RELAY_PROTOCOL_VERSION })
  }

  get peerId(): PeerId {
    if (!this.#peerId) throw new Error('the session is not authenticated')
    return this.#peerId
  }

  /** Sends a frame that must arrive; a client too far behind to take it is closed (1013). */
  send(message: ServerMessage): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return
    const frame = encodeMessage(message)
    if (this.#socket.bufferedAmount + frame.length > this.#limits.maxBufferedBytes) {
      return this.#slowReader()
    }
    this.#socket.send(frame)
  }

  offerSignal(frame: string): boolean {
    if (this.#socket.readyState !== this.#socket.OPEN) return false
    if (this.#socket.bufferedAmount + frame.length > this.#limits.maxBufferedBytes) return false
    if (!this.#inbound.take(frame.length)) return false
    this.#socket.send(frame)
    return true
  }

  replaced(): void {
    this.#closeWith('replaced', 'another connection proved this peer ID', REPLACED)
  }

  /** One heartbeat: drops the socket if the last ping went unanswered, then pings again. */
  heartbeat(): void {
    if (!this.alive) {
      this.#logger.debug(`${this.#label}: no pong, dropping`)
      this.#socket.terminate()
      return
    }
    this.alive = false
    this.#socket.ping()
  }

  /** Closes the connection as the server shuts down. */
  shutdown(): void {
    this.#socket.close(1001, 'server shutting down')
  }

  /** Nothing a client sends may throw past its own connection. */
  #guarded(data: RawData, isBinary: boolean): void {
    try {
      this.#receive(data, isBinary)
    } catch (error) {
      this.#logger.warn(`${this.#label}: a frame failed: ${String(error).slice(0, 200)}`)
      this.#violation('bad-message', 'the relay could not handle this message')
    }
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#phase === 'closed') return
    if (!this.#rate.take()) return this.#violation('rate-limited', 'too many messages, slow down')
    const size = Array.isArray(data)
      ? data.reduce((sum, part) => sum + part.length, 0)
      : data.byteLength
    if (size > this.#limits.maxMessageBytes) {
      return this.#violation(
        'too-large',
        `messages are limited to ${this.#limits.maxMessageBytes} bytes`,
      )
    }
    if (isBinary) return this.#violation('bad-json', 'binary frames are not accepted')
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString()
      : Buffer.from(data as ArrayBuffer).toString()
    // JSON.parse and JSON.stringify recurse: measure the nesting before either runs.
    if (jsonDepthExceeds(text, this.#limits.maxJsonDepth)) {
      const ref = /^\s*\{\s*"type"\s*:\s*"([a-z-]{1,20})"/.exec(text)?.[1]
      return this.#violation(
        'too-deep',
        `JSON may nest at most ${this.#limits.maxJsonDepth} levels`,
        ref,
      )
    }
    const parsed = parseClientMessage(text)
    if (!parsed.ok) return this.#violation(parsed.code, parsed.error, parsed.ref)
    this.#handle(parsed.message)
  }

  #handle(message: ClientMessage): void {
    if (message.type === 'ping') return this.send({ type: 'pong' })
    if (this.#phase !== 'member') {
      if (message.type === 'hello' && this.#phase === 'challenged') {
        void this.#authenticate(message)
        return
      }
      return this.#violation('not-authenticated', 'send hello first', message.type)
    }
    switch (message.type) {
      case 'hello':
        return this.#violation('bad-message', 'already authenticated', 'hello')
      case 'join':
        if (
          !this.topics.has(message.topic) &&
          this.topics.size >= this.#limits.maxTopicsPerConnection
        ) {
          return this.#violation(
            'too-many-topics',
            `at most ${this.#limits.maxTopicsPerConnection} topics`,
            message.topic,
          )
        }
        if (!this.#mayList(message.topic)) {
          const every = `${this.#limits.rejoinIntervalMs / 1000} s`
          return this.#violation('rate-limited', `topic already joined (refresh every ${every})`)
        }
        return this.#hub.join(this, message.topic)
      case 'leave':
        return this.#hub.leave(this, message.topic)
      case 'signal':
        // Serialised once here, where its depth is known to be small; forwarded as this text.
        switch (this.#hub.route(this, message.to, JSON.stringify(message.data))) {
          case 'unknown':
            return this.send(refusal('unknown-peer', message.to))
          case 'busy':
            return this.send(refusal('busy', message.to))
          case 'sent':
          case 'forwarded':
            return
        }
    }
  }

  /** Whether this join may be answered: a repeated one is throttled, it costs a whole list. */
  #mayList(topic: Topic): boolean {
    return !this.topics.has(topic) || this.#rejoins.take()
  }

  #slowReader(): void {
    if (this.#phase === 'closed') return
    this.#logger.debug(`${this.#label}: outbound budget exceeded, closing`)
    this.#closed()
    this.#socket.close(TRY_AGAIN_LATER, 'slow-reader')
    setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS).unref()
  }

  async #authenticate(hello: Extract<ClientMessage, { type: 'hello' }>): Promise<void> {
    if (hello.version !== RELAY_PROTOCOL_VERSION) {
      const expected = `this relay speaks protocol version ${RELAY_PROTOCOL_VERSION}`
      return this.#closeWith('bad-version', expected, POLICY_VIOLATION)
    }
    this.#phase = 'verifying'
    const publicKey = fromBase64(hello.publicKey)
    const signature = fromBase64(hello.signature)
    const proven =
      publicKey?.length === 32 &&
      signature !== undefined &&
      (await peerIdFromPublicKey(publicKey)) === hello.peerId &&
      (await verifyEd25519(publicKey, relayAuthMessage(this.#nonce), signature))
    if (this.#phase !== 'verifying') return
    if (!proven) {
      this.#logger.debug(`${this.#label}: failed authentication as ${hello.peerId}`)
      return this.#closeWith(
        'bad-auth',
        'the key does not match the peer ID or the signature',
        POLICY_VIOLATION,
      )
    }
    clearTimeout(this.#authTimer)
    this.#peerId = hello.peerId
    this.#phase = 'member'
    this.#label = `${hello.peerId.slice(0, 8)}@${this.#label}`
    this.#onAuthenticated()
    this.#hub.admit(this)
    const { messagesPerSecond, burst } = this.#limits
    this.send({ type: 'welcome', peerId: hello.peerId, limits: { messagesPerSecond, burst } })
  }

  #error(code: RelayErrorCode, message: string, ref?: string): void {
    this.send(
      ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref },
    )
  }

  #violation(code: RelayErrorCode, message: string, ref?: string): void {
    this.#metrics?.violation(code)
    this.#logger.debug(`${this.#label}: ${code}: ${message}`)
    if (!this.#violations.take()) {
      this.#logger.info(`${this.#label}: disconnected after repeated errors (last: ${code})`)
      return this.#closeWith(
        'too-many-violations',
        `disconnected after repeated errors (last: ${code})`,
        POLICY_VIOLATION,
      )
    }
    this.#error(code, message, ref)
  }

  #closeWith(code: RelayErrorCode, message: string, closeCode: number): void {
    if (this.#phase === 'closed') return
    if (code !== 'replaced') this.#metrics?.violation(code)
    this.#error(code, message)
    this.#closed()
    this.#socket.close(closeCode, code)
  }

  #closed(): void {
    if (this.#phase === 'closed') return
    const wasMember = this.#phase === 'member'
    this.#phase = 'closed'
    clearTimeout(this.#authTimer)
    if (wasMember) this.#hub.depart(this)
    this.#onClose(!wasMember)
  }
}
