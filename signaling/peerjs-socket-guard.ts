import { EventEmitter } from 'node:events'
import type { RawData, WebSocket } from 'ws'
import type { Logger } from './config.ts'
import { checkBrokerFrame, type BrokerLimits } from './peerjs-frames.ts'
import { TokenBucket } from './rate-limiter.ts'

const POLICY_VIOLATION = 1008

/**
 * What the `peer` package gets instead of a client's WebSocket: the same `on`/`send`/`close`,
 * but only frames that passed checkBrokerFrame come out as "message". A bad frame or a flood
 * closes this socket (its sender) only. Sending to it never throws (the package would close
 * the destination if it did); past the outbound budget, frames to it are dropped. An offer to an
 * ID nobody holds is answered at once with EXPIRE instead of being queued.
 */
export class GuardedBrokerSocket extends EventEmitter {
  readonly #socket: WebSocket
  readonly #id: string
  readonly #limits: BrokerLimits
  readonly #logger: Logger
  readonly #isRegistered: (id: string) => boolean
  readonly #rate: TokenBucket
  #closed = false
  #closeEmitted = false

  constructor(options: {
    socket: WebSocket
    id: string
    limits: BrokerLimits
    logger: Logger
    isRegistered: (id: string) => boolean
  }) {
    super()
    this.#socket = options.socket
    this.#id = options.id
    this.#limits = options.limits
    this.#logger = options.logger
    this.#isRegistered = options.isRegistered
    this.#rate = new TokenBucket(options.limits.framesPerSecond, options.limits.burst)
    const socket = options.socket
    socket.on('message', (data, isBinary) => {
      try {
        this.#receive(data, isBinary)
      } catch (error) {
        this.#refuse(`the broker could not handle a frame (${String(error).slice(0, 100)})`)
      }
    })
    socket.on('close', () => this.#gone())
    socket.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error)
    })
  }

  get readyState(): number {
    return this.#socket.readyState
  }

  send(data: string): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return
    if (this.#socket.bufferedAmount + data.length > this.#limits.maxBufferedBytes) return
    this.#socket.send(data)
  }

  close(): void {
    this.#socket.close()
  }

  /**
   * A newer connection proved this socket's ID: tells the client why and closes it, and the
   * package hears 'close' at once (not when the client answers the close, or in 30 s when it
   * is gone), so it forgets this client before the newer one registers.
   */
  supersede(message: string, code: number): void {
    if (this.#closed) return
    if (this.#socket.readyState === this.#socket.OPEN) {
      this.#socket.send(JSON.stringify({ type: 'ERROR', payload: { msg: message } }))
    }
    this.#socket.close(code, message.slice(0, 100))
    this.#gone()
  }

  /** Emits 'close' once, whether the socket closed or was superseded first. */
  #gone(): void {
    this.#closed = true
    if (this.#closeEmitted) return
    this.#closeEmitted = true
    this.emit('close')
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#closed) return
    if (!this.#rate.take()) return this.#refuse('too many frames')
    if (isBinary) return this.#refuse('binary frames are not accepted')
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString()
      : Buffer.from(data as ArrayBuffer).toString()
    const frame = checkBrokerFrame(text, this.#limits)
    if (!frame.ok) return this.#refuse(frame.error)
    if (frame.type !== 'HEARTBEAT' && !this.#isRegistered(frame.dst)) {
      // The package would queue it for seconds; say at once that nobody holds that ID.
      if (frame.type === 'OFFER') {
        this.send(JSON.stringify({ type: 'EXPIRE', src: frame.dst, dst: this.#id }))
      }
      return
    }
    this.emit('message', Buffer.from(text))
  }

  #refuse(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#logger.debug(`peerjs ${this.#id.slice(0, 40)}: ${reason}`)
    this.#socket.send(JSON.stringify({ type: 'ERROR', payload: { msg: reason } }))
    this.#socket.close(POLICY_VIOLATION, reason.slice(0, 100))
  }
}
