import { BacklogEmitter } from './backlog-emitter.ts'
import { afterQuiet, FIN, type GoodbyePipe } from './pipe-goodbye.ts'
import type { DataPipe, DataPipeEvents, PipeStats } from './pipe.ts'

/** What a channel pipe asks of the connection it lives on. */
export interface PipeConnection {
  readonly maxMessageSize: number
  readonly fingerprints: { readonly local: string; readonly remote: string }
  openSideChannel(label: string): Promise<DataPipe>
  /** See DataPipe.openRawChannel. */
  openRawChannel?(label: string): RTCDataChannel | undefined
  stats(): Promise<PipeStats>
  /** Restarts the connection's network path (ICE restart), when the connection can. */
  restartPath?(): void
  /** True once the connection closed (or is closing): its channels must not be touched. */
  readonly closed?: boolean
}

export interface ChannelPipeOptions {
  /** The pipe gives up if the peer's side of the channel does not answer in time. */
  handshakeTimeoutMs: number
  /** Called once when the pipe closes, for whatever reason. */
  onClosed?: (reason: string) => void
}

/** `drain` fires when bufferedAmount falls to this after having been above it. */
export const LOW_WATER_MARK = 256 * 1024
/** The largest backlog held for a listener that is not attached yet. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024
const SYN_INTERVAL_MS = 100
/**
 * SYNs go every SYN_INTERVAL_MS this many times (a second), then every SLOW_SYN_INTERVAL_MS: a
 * far end that is not there yet (a keeper or an older version that never makes a documents
 * worker's channel) was sent ten a second for the whole handshake timeout.
 */
const FAST_SYNS = 10
const SLOW_SYN_INTERVAL_MS = 1000
const POLL_MS = 5
/** Messages held while the channel is still connecting (only the peer's SYNs can come then). */
const MAX_EARLY_MESSAGES = 64

// Control messages of the readiness handshake; nothing else is sent before it completes.
const SYN = new TextEncoder().encode('\u0000peerplace-pipe-syn')
const ACK = new TextEncoder().encode('\u0000peerplace-pipe-ack')
type State = 'connecting' | 'handshaking' | 'open' | 'closed'

/**
 * A DataPipe over one negotiated RTCDataChannel. A negotiated channel opens locally even when
 * the peer has not created its end yet, and the peer silently drops what arrives before then,
 * so both ends first exchange SYN (repeated) and ACK: `ready` resolves once the peer is known to
 * be listening. Each side sends SYNs, then one ACK, then data; ordering does the rest. The end
 * that closes sends FIN last; the peer answers FIN and goes quiet, and only then is the channel
 * closed (see pipe-goodbye.ts).
 *
 * Chromium may deliver the peer's first messages on a negotiated channel before that channel's
 * own 'open' event (when the channel was created on a connected peer connection and the main
 * thread was busy meanwhile); sending then throws. Such early messages wait for 'open'.
 */
export class ChannelPipe
  extends BacklogEmitter<DataPipeEvents, 'message'>
  implements DataPipe, GoodbyePipe
{
  readonly ready: Promise<void>
  readonly peerQuiet: Promise<void>
  readonly #channel: RTCDataChannel
  readonly #connection: PipeConnection
  readonly #options: ChannelPipeOptions
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  #state: State = 'connecting'
  #sentAck = false
  #early: Uint8Array[] = []
  #aboveLowWater = false
  #saidGoodbye = false
  #settle!: (error?: Error) => void
  #quiet!: () => void

  constructor(channel: RTCDataChannel, connection: PipeConnection, options: ChannelPipeOptions) {
    super('message', (data) => data.byteLength, MAX_BACKLOG_BYTES)
    this.#channel = channel
    this.#connection = connection
    this.#options = options
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve())
    })
    this.ready.catch(() => {}) // callers that never await it must not see an unhandled rejection
    this.peerQuiet = new Promise<void>((resolve) => (this.#quiet = resolve))

    channel.binaryType = 'arraybuffer'
    const evented = typeof channel.bufferedAmountLowThreshold === 'number'
    if (evented) channel.bufferedAmountLowThreshold = LOW_WATER_MARK
    channel.onbufferedamountlow = () => this.#checkDrain()
    channel.onopen = () => this.#onChannelOpen()
    channel.onmessage = (event: MessageEvent) => this.#onChannelMessage(event.data)
    channel.onclose = () => this.#finish('remote closed')
    channel.onerror = (event: Event) => {
      const error = (event as Event & { error?: { message?: string } }).error
      this.#finish(`data channel error: ${error?.message ?? 'unknown'}`)
    }
    // Some implementations (wrtc) never fire `open` for a negotiated channel created on a
    // connected peer connection: poll the state as well.
    this.#every(SYN_INTERVAL_MS / 2, () => {
      if (this.#state === 'connecting' && channel.readyState === 'open') this.#onChannelOpen()
      return this.#state !== 'connecting'
    })
    this.#after(options.handshakeTimeoutMs, () => {
      if (this.#state !== 'open') this.close('the peer did not open its end of the channel in time')
    })
    if (channel.readyState === 'open') queueMicrotask(() => this.#onChannelOpen())
  }

  get isOpen(): boolean {
    return this.#state === 'open'
  }

  get bufferedAmount(): number {
    return this.#state === 'closed' ? 0 : this.#channel.bufferedAmount
  }

  get maxMessageSize(): number {
    return this.#connection.maxMessageSize
  }

  get fingerprints(): { readonly local: string; readonly remote: string } {
    return this.#connection.fingerprints
  }

  /** Sends one message. A closed pipe drops it; a failing channel closes the pipe. */
  send(data: Uint8Array): void {
    if (this.#state === 'closed') return
    if (this.#state !== 'open') throw new Error('send() before the pipe is open')
    try {
      this.#channel.send(data as Uint8Array<ArrayBuffer>)
    } catch (error) {
      this.close(`send failed: ${error instanceof Error ? error.message : String(error)}`)
      return
    }
    if (!this.#aboveLowWater && this.#channel.bufferedAmount > LOW_WATER_MARK) {
      this.#aboveLowWater = true
      // Without bufferedamountlow events, watch the buffer until it drains.
      if (typeof this.#channel.bufferedAmountLowThreshold !== 'number') {
        this.#every(POLL_MS, () => {
          this.#checkDrain()
          return !this.#aboveLowWater || this.#state === 'closed'
        })
      }
    }
  }

  openSideChannel(label: string): Promise<DataPipe> {
    return this.#connection.openSideChannel(label)
  }

  openRawChannel(label: string): RTCDataChannel | undefined {
    if (this.#state === 'closed') return undefined
    return this.#connection.openRawChannel?.(label)
  }

  stats(): Promise<PipeStats> {
    return this.#connection.stats()
  }

  restartPath(): void {
    if (this.#state !== 'closed') this.#connection.restartPath?.()
  }

  /** The connection's path was lost or came back; see DataPipeEvents.path. */
  pathChanged(state: 'ok' | 'interrupted'): void {
    if (this.#state !== 'closed') this.emit('path', { state })
  }

  close(reason = 'local close'): void {
    if (this.#state === 'closed') return
    const warned = this.sayGoodbye()
    this.#finish(reason)
    const close = () => {
      // A closing connection closes its channels; touched after that, wrtc can crash.
      if (this.#connection.closed) return
      try {
        this.#channel.close()
      } catch {
        // already closing with its connection
      }
    }
    if (warned) afterQuiet([this.peerQuiet], close)
    else close()
  }

  /**
   * Tells the peer this end is closing (FIN), so it answers FIN and stops sending before the
   * channel goes.
   * Returns whether it was sent. Nothing is touched once the pipe or its connection closed.
   */
  sayGoodbye(): boolean {
    if (this.#state === 'closed' || this.#connection.closed) return false
    if (this.#channel.readyState !== 'open') return false
    try {
      this.#channel.send(FIN as Uint8Array<ArrayBuffer>)
      this.#saidGoodbye = true
      return true
    } catch {
      return false
    }
  }

  /** Marks the pipe closed because its connection went away. */
  connectionClosed(reason: string): void {
    this.#finish(reason)
  }

  #onChannelOpen(): void {
    if (this.#state !== 'connecting') return
    this.#state = 'handshaking'
    this.#sendRaw(SYN)
    this.#synAgain(1)
    for (const data of this.#early.splice(0)) this.#onChannelMessage(data)
  }

  #onChannelMessage(raw: unknown): void {
    if (this.#state === 'closed') return
    const data = toBytes(raw)
    if (!data) {
      console.warn('pipe: dropping a non-binary message')
      return
    }
    if (equalBytes(data, FIN)) {
      // The peer closes its end once it hears our FIN: our last message; its close does the rest.
      this.sayGoodbye()
      this.#quiet()
      this.#finish('the peer closed the channel')
      return
    }
    if (this.#state === 'open') {
      this.deliver(data)
      return
    }
    if (this.#state === 'connecting') {
      if (this.#channel.readyState !== 'open') {
        if (this.#early.length < MAX_EARLY_MESSAGES) this.#early.push(data)
        else console.warn('pipe: dropping a message that arrived before the channel opened')
        return
      }
      this.#onChannelOpen() // handles any earlier messages first, in order
    }
    const isSyn = equalBytes(data, SYN)
    if (!isSyn && !equalBytes(data, ACK)) {
      console.warn('pipe: dropping a message that arrived before the handshake')
      return
    }
    if (!this.#sentAck) {
      this.#sentAck = true
      this.#sendRaw(ACK)
    }
    if (!isSyn) {
      // The peer's ACK follows all its SYNs: from here on everything is data.
      this.#state = 'open'
      this.#settle()
      this.emit('open', undefined)
    }
  }

  #sendRaw(data: Uint8Array): void {
    try {
      this.#channel.send(data as Uint8Array<ArrayBuffer>)
    } catch (error) {
      this.close(`handshake send failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  #checkDrain(): void {
    if (this.#state !== 'open' || !this.#aboveLowWater) return
    if (this.#channel.bufferedAmount > LOW_WATER_MARK) return
    this.#aboveLowWater = false
    this.emit('drain', undefined)
  }

  #finish(reason: string): void {
    if (this.#state === 'closed') return
    const wasOpen = this.#state === 'open'
    this.#state = 'closed'
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#channel.onopen = null
    this.#channel.onbufferedamountlow = null
    if (this.#saidGoodbye) this.#awaitAnswer()
    else {
      this.#channel.onmessage = null
      this.#channel.onclose = null
      this.#quiet()
    }
    if (!wasOpen) this.#settle(new Error(`data channel "${this.#channel.label}": ${reason}`))
    this.emit('close', { reason })
    this.#options.onClosed?.(reason)
  }

  /** After our FIN: the peer is quiet once it answers FIN, or its channel closes or fails. */
  #awaitAnswer(): void {
    this.#channel.onmessage = (event: MessageEvent) => {
      const data = toBytes(event.data)
      if (data && equalBytes(data, FIN)) this.#quiet()
    }
    this.#channel.onclose = () => this.#quiet()
    this.#channel.onerror = () => this.#quiet()
  }

  #after(ms: number, callback: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      callback()
    }, ms)
    this.#timers.add(timer)
  }

  /** Sends the next SYN while the peer has not answered (`sent` so far). */
  #synAgain(sent: number): void {
    this.#after(sent < FAST_SYNS ? SYN_INTERVAL_MS : SLOW_SYN_INTERVAL_MS, () => {
      if (this.#state !== 'handshaking' || this.#sentAck) return
      this.#sendRaw(SYN)
      this.#synAgain(sent + 1)
    })
  }

  /** Runs `tick` every `ms` until it returns true or the pipe closes. */
  #every(ms: number, tick: () => boolean): void {
    this.#after(ms, () => {
      if (!tick() && this.#state !== 'closed') this.#every(ms, tick)
    })
  }
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
