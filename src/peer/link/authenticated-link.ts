import type { ClockTimer } from '../../lib/clock.ts'
import type { PeerId } from '../ids.ts'
import type { Identity } from '../identity/identity.ts'
import { BacklogEmitter } from '../transport/backlog-emitter.ts'
import type { DataPipe, PipeStats } from '../transport/pipe.ts'
import { framesForMessage } from './framing.ts'
import { Handshake } from './handshake.ts'
import type { Link, LinkCloseReason, LinkEvents, LinkPathState, LinkState } from './link.ts'
import { resolveLinkOptions, type LinkOptions, type ResolvedLinkOptions } from './link-options.ts'
import { SendQueue } from './send-queue.ts'
import { decodeFrame, encodeFrame, isChannelName, type Frame } from './link-protocol.ts'
import { Reassembler } from './reassembler.ts'

export interface CreateLinkParams {
  pipe: DataPipe
  identity: Identity
  /** When given, a peer proving any other peer ID is refused. */
  expectedPeer?: PeerId
  options?: LinkOptions
}

/**
 * How long the main pipe's buffer may take to empty at the path's rate: what waits behind it
 * cannot be reordered, so this is about the longest a heartbeat or a chat message waits there.
 */
const MAIN_HORIZON_MS = 250
/** The bulk pipe's: it carries file data only, so throughput matters more than waiting. */
const BULK_HORIZON_MS = 1000
/** Label of the side channel that carries `sendBulk`. */
const BULK_CHANNEL_LABEL = 'bulk'

/**
 * Where `sendBulk` goes: its own channel is still 'opening' (sends wait for it), 'open', or it
 * could not be had or was lost and bulk shares the 'main' channel; 'none' before and after.
 */
export type BulkChannelState = 'none' | 'opening' | 'open' | 'main'
const CLOSE_FLUSH_MS = 1000

/**
 * Runs the handshake over `pipe` and resolves with an open Link once both sides have proven
 * their keys and each knows the other accepted its proof (a side sends its first heartbeat only
 * after verifying the peer). Rejects with a clear Error, and closes the pipe, if authentication
 * fails on either end.
 */
export async function createLink(params: CreateLinkParams): Promise<AuthenticatedLink> {
  const link = new AuthenticatedLink(params)
  await link.opened
  return link
}

interface PipeLane {
  pipe: DataPipe
  outbox: SendQueue
  reassembler: Reassembler
}

/** The Link implementation; see link.ts for the contract. */
export class AuthenticatedLink extends BacklogEmitter<LinkEvents, 'message'> implements Link {
  /** Resolves once authenticated; rejects if the link closes first. */
  readonly opened: Promise<void>
  readonly #options: ResolvedLinkOptions
  readonly #main: PipeLane
  readonly #handshake: Handshake
  /** Timers not yet fired (a fired one is forgotten: a link lives for days). */
  readonly #timers = new Set<ClockTimer>()
  readonly #unsubscribe: (() => void)[] = []
  #bulk: Promise<PipeLane | null> | null = null
  #bulkState: BulkChannelState = 'none'
  #state: LinkState = 'authenticating'
  #remote: PeerId | null = null
  #lastHeard: number
  #rttMs: number | null = null
  #path: LinkPathState = 'ok'
  #pathLostAt = 0
  #pathRecoveries = 0
  #violations = 0
  #messageId = 0
  #authQueue: Uint8Array[] = []
  #authBusy = false
  #settleOpened!: (error?: Error) => void

  constructor({ pipe, identity, expectedPeer, options }: CreateLinkParams) {
    const resolved = resolveLinkOptions(options)
    super('message', ({ data }) => data.byteLength, 2 * resolved.maxMessageBytes)
    this.#options = resolved
    this.#lastHeard = resolved.now()
    this.#main = {
      pipe,
      outbox: new SendQueue(pipe, {
        highWaterMark: resolved.highWaterMark,
        horizonMs: MAIN_HORIZON_MS,
        now: resolved.now,
      }),
      reassembler: new Reassembler(resolved.maxMessageBytes),
    }
    this.opened = new Promise<void>((resolve, reject) => {
      this.#settleOpened = (error) => (error ? reject(error) : resolve())
    })
    this.opened.catch(() => {})
    this.#handshake = new Handshake(identity, pipe.fingerprints, expectedPeer, resolved.verify)

    this.#unsubscribe.push(
      pipe.on('message', (bytes) => this.#onMainBytes(bytes)),
      pipe.on('close', ({ reason }) => this.#terminate('pipe-closed', reason, false)),
      pipe.on('path', ({ state }) => {
        if (this.#state !== 'open') return
        if (state === 'interrupted') this.#pathLost(false)
        else if (this.#path === 'restarting') {
          // A ping now: its answer proves the path both ways within a round trip (see #answered).
          this.#sendPing()
          this.emit('path-back', undefined)
        }
      }),
    )
    if (!pipe.isOpen) {
      this.#terminate('pipe-closed', 'the pipe was closed before the link started', false)
      return
    }
    this.#after(resolved.handshakeTimeoutMs, () => {
      if (this.#state === 'authenticating') {
        this.#terminate('timeout', 'authentication timed out', false)
      }
    })
    pipe.send(encodeFrame(this.#handshake.hello))
  }

  /** The proven peer ID (empty until the peer's proof is verified). */
  get remote(): PeerId {
    return this.#remote ?? ('' as PeerId)
  }

  get state(): LinkState {
    return this.#state
  }

  get silentForMs(): number {
    return this.#options.now() - this.#lastHeard
  }

  get path(): LinkPathState {
    return this.#state === 'open' ? this.#path : 'ok'
  }

  get pathRecoveries(): number {
    return this.#pathRecoveries
  }

  restartPath(): void {
    if (this.#state === 'open' && this.#main.pipe.restartPath) this.#pathLost(true)
  }

  /** Whether bulk transfers have their own channel; see BulkChannelState. */
  get bulkChannel(): BulkChannelState {
    return this.#state === 'closed' ? 'none' : this.#bulkState
  }

  /** Invalid frames received so far. */
  get violations(): number {
    return this.#violations
  }

  send(channel: string, data: Uint8Array, order: string = channel): void {
    this.#checkMessage(channel, data)
    if (this.#state !== 'open') return
    void this.#main.outbox.push(this.#frames(this.#main.pipe, channel, data), order)
  }

  async sendBulk(channel: string, data: Uint8Array): Promise<void> {
    this.#checkMessage(channel, data)
    if (this.#state !== 'open') throw new Error(`link to ${this.remote} is ${this.#state}`)
    const lane = (await this.#bulk) ?? this.#main
    if (await lane.outbox.push(this.#frames(lane.pipe, channel, data))) return
    // The bulk channel closed under a waiting payload while the link stayed open: bulk shares
    // the main channel from now on, and this payload too (its last frame never left).
    const main = this.#main
    if (lane !== main && this.#state === 'open') {
      if (await main.outbox.push(this.#frames(main.pipe, channel, data))) return
    }
    throw new Error(`link to ${this.remote} closed before the payload was sent`)
  }

  openRawChannel(label: string): RTCDataChannel | undefined {
    if (this.#state !== 'open') return undefined
    return this.#main.pipe.openRawChannel?.(label)
  }

  async stats(): Promise<PipeStats & { rttMs: number | null }> {
    const stats = await this.#main.pipe.stats()
    return { ...stats, rttMs: this.#rttMs ?? stats.rttMs }
  }

  close(reason = 'local-close'): void {
    this.#terminate('local-close', reason, true)
  }

  #checkMessage(channel: string, data: Uint8Array): void {
    if (!isChannelName(channel)) throw new TypeError(`invalid channel name "${channel}"`)
    if (data.length > this.#options.maxMessageBytes) {
      throw new RangeError(`message of ${data.length} bytes above ${this.#options.maxMessageBytes}`)
    }
  }

  #frames(pipe: DataPipe, channel: string, data: Uint8Array): Uint8Array[] {
    this.#messageId = (this.#messageId + 1) >>> 0
    const size = Math.min(pipe.maxMessageSize, this.#options.frameBytes)
    return framesForMessage(channel, data, size, this.#messageId)
  }

  #onMainBytes(bytes: Uint8Array): void {
    if (this.#state === 'closed') return
    this.#heard()
    if (this.#state === 'open' && !this.#authBusy) {
      this.#onFrameBytes(bytes, this.#main)
      return
    }
    // Until authenticated, frames are handled one at a time, waiting for the crypto.
    this.#authQueue.push(bytes)
    void this.#pumpAuthQueue()
  }

  async #pumpAuthQueue(): Promise<void> {
    if (this.#authBusy) return
    this.#authBusy = true
    try {
      let bytes: Uint8Array | undefined
      while (this.#state !== 'closed' && (bytes = this.#authQueue.shift())) {
        if (this.#state === 'open') this.#onFrameBytes(bytes, this.#main)
        else await this.#onAuthBytes(bytes)
      }
    } finally {
      this.#authBusy = false
    }
  }

  async #onAuthBytes(bytes: Uint8Array): Promise<void> {
    const decoded = decodeFrame(bytes)
    if (!decoded.ok) {
      this.#terminate('auth-failed', `invalid frame during authentication: ${decoded.error}`, false)
      return
    }
    if (decoded.frame.type === 'close') {
      this.#terminate('remote-close', decoded.frame.reason, false)
      return
    }
    if (this.#remote) {
      // We verified the peer; its first heartbeat tells us it verified us too.
      if (decoded.frame.type !== 'ping') {
        this.#terminate(
          'auth-failed',
          `${decoded.frame.type} frame before the first heartbeat`,
          false,
        )
        return
      }
      this.#becomeOpen()
      this.#onFrameBytes(bytes, this.#main)
      return
    }
    let step
    try {
      step = await this.#handshake.receive(decoded.frame)
    } catch (error) {
      step = { kind: 'fail', detail: `handshake error: ${String(error)}` } as const
    }
    if (this.#state !== 'authenticating') return
    if (step.kind === 'reply') this.#main.pipe.send(encodeFrame(step.frame))
    else if (step.kind === 'fail') this.#terminate('auth-failed', step.detail, false)
    else {
      this.#remote = step.remote
      this.#main.pipe.send(encodeFrame({ type: 'ping', timestamp: this.#options.now() }))
    }
  }

  #becomeOpen(): void {
    this.#state = 'open'
    this.#every(this.#options.heartbeatIntervalMs, () => this.#sendPing())
    this.#watchSilence(Math.max(10, this.#options.offlineAfterMs / 6))
    this.#bulkState = 'opening'
    this.#bulk = this.#openBulkLane()
    this.#settleOpened()
    this.emit('open', undefined)
  }

  async #openBulkLane(): Promise<PipeLane | null> {
    let pipe: DataPipe
    try {
      pipe = await this.#main.pipe.openSideChannel(BULK_CHANNEL_LABEL)
    } catch (error) {
      if (this.#state !== 'open') return null
      this.#options.log(`no bulk channel to ${this.remote} (${String(error)}); using the main one`)
      this.#bulkState = 'main'
      return null
    }
    if (this.#state === 'closed') {
      pipe.close('link closed')
      return null
    }
    const lane: PipeLane = {
      pipe,
      outbox: new SendQueue(pipe, {
        highWaterMark: this.#options.bulkHighWaterMark,
        horizonMs: BULK_HORIZON_MS,
        now: this.#options.now,
      }),
      reassembler: new Reassembler(this.#options.maxMessageBytes),
    }
    this.#bulkState = 'open'
    this.#unsubscribe.push(
      pipe.on('message', (bytes) => {
        if (this.#state !== 'open') return
        this.#heard()
        this.#onFrameBytes(bytes, lane)
      }),
      pipe.on('close', ({ reason }) => {
        if (this.#state !== 'open') return
        this.#options.log(`bulk channel to ${this.remote} closed (${reason}); using the main one`)
        this.#bulkState = 'main'
        this.#bulk = Promise.resolve(null)
      }),
    )
    return lane
  }

  #onFrameBytes(bytes: Uint8Array, lane: PipeLane): void {
    const decoded = decodeFrame(bytes)
    if (!decoded.ok) return this.#violation(decoded.error)
    const frame: Frame = decoded.frame
    if (lane !== this.#main && frame.type !== 'data' && frame.type !== 'fragment') {
      return this.#violation(`${frame.type} frame on the bulk channel`)
    }
    switch (frame.type) {
      case 'data':
        return this.deliver({ channel: frame.channel, data: frame.payload })
      case 'fragment': {
        const result = lane.reassembler.add(frame)
        if (!result.ok) return this.#violation(result.error)
        if (result.message) this.deliver(result.message)
        return
      }
      case 'ping':
        this.#main.outbox.pushUrgent(encodeFrame({ type: 'pong', timestamp: frame.timestamp }))
        return
      case 'pong': {
        const rtt = this.#options.now() - frame.timestamp
        if (rtt < 0 || rtt > 600_000) return this.#violation('pong for a ping never sent')
        this.#rttMs = rtt
        this.#answered(frame.timestamp)
        return
      }
      case 'close':
        return this.#terminate('remote-close', frame.reason, false)
      case 'hello':
      case 'auth-proof':
        return this.#violation(`${frame.type} frame after authentication`)
    }
  }

  #violation(reason: string): void {
    this.#violations++
    this.#options.log(
      `dropping a frame from ${this.remote || 'an unauthenticated peer'}: ${reason}`,
    )
    if (this.#violations >= this.#options.maxViolations) {
      this.#terminate('protocol-error', `${this.#violations} invalid frames; last: ${reason}`, true)
    }
  }

  /**
   * Looks at the peer's silence when it could first pass offlineAfterMs (the peer's heartbeat,
   * once a second, keeps that about two seconds off: an idle link wakes this thread every two
   * seconds or so, not twice a second), and every `checkEveryMs` while it is silent or its path
   * is in doubt.
   */
  #watchSilence(checkEveryMs: number, inMs = checkEveryMs): void {
    const dueAt = this.#options.now() + inMs
    this.#after(inMs, () => {
      if (this.#state === 'closed') return
      this.#watchSilence(checkEveryMs, this.#checkSilence(checkEveryMs, dueAt))
    })
  }

  /**
   * A peer silent past `offlineAfterMs` is offline, unless the pipe can restart its path: then
   * the link waits up to `pathRestartWindowMs` more for the peer on the restarted path, and
   * longer while `keepRestarting` says the peer is still around. Returns how long until the
   * next look.
   */
  #checkSilence(checkEveryMs: number, dueAt: number): number {
    const now = this.#options.now()
    // This thread was busy (a loaded tab or process): the peer's frames from meanwhile may still
    // wait in the queue behind this timer, so its silence is judged at the next check.
    if (now - dueAt > checkEveryMs + 250) return checkEveryMs
    const silent = this.silentForMs
    const { offlineAfterMs } = this.#options
    if (silent <= offlineAfterMs) {
      return this.#path === 'ok'
        ? Math.max(checkEveryMs, offlineAfterMs - silent + 1)
        : checkEveryMs
    }
    const restartable = this.#main.pipe.restartPath !== undefined
    if (restartable && this.#path === 'ok') {
      this.#pathLost(true)
      return checkEveryMs
    }
    const window = this.#options.now() - this.#pathLostAt
    if (!restartable || (window > this.#options.pathRestartWindowMs && !this.#held(window))) {
      const detail = restartable ? '; an ICE restart did not bring the path back' : ''
      this.#terminate('timeout', `silent for ${Math.round(silent)} ms${detail}`, true)
    }
    return checkEveryMs
  }

  /** Whether a lost path past its restart window is still worth waiting for. */
  #held(window: number): boolean {
    if (window > this.#options.pathHoldMaxMs) return false
    try {
      return this.#options.keepRestarting()
    } catch (error) {
      this.#options.log(`keepRestarting threw: ${String(error)}`)
      return false
    }
  }

  /** Enters 'restarting' (asking the pipe to restart its path when `restart`). */
  #pathLost(restart: boolean): void {
    if (this.#path === 'ok') {
      this.#path = 'restarting'
      this.#pathLostAt = this.#options.now()
      this.#options.log(`path to ${this.remote} lost; restarting ICE`)
      this.emit('path', { state: 'restarting' })
    }
    if (restart) this.#main.pipe.restartPath?.()
  }

  /** Any frame from the peer: it is alive. */
  #heard(): void {
    this.#lastHeard = this.#options.now()
  }

  /**
   * A pong for the ping sent at `pingedAt`: if that was since the path was lost, the path carries
   * frames both ways again and is back. Hearing the peer is not enough: our own frames may still
   * wait for the transport's retransmission timer (which grew while the path was down), so the
   * peer hears nothing of us for seconds more, and its link needs replacing (path-refresh.ts).
   */
  #answered(pingedAt: number): void {
    if (this.#path !== 'restarting' || this.#state !== 'open' || pingedAt < this.#pathLostAt) return
    this.#path = 'ok'
    this.#pathRecoveries++
    this.emit('path', { state: 'ok' })
  }

  #sendPing(): void {
    this.#main.outbox.pushUrgent(encodeFrame({ type: 'ping', timestamp: this.#options.now() }))
  }

  /** Closes once. Only an open link says goodbye: a failed handshake sends nothing more. */
  #terminate(reason: LinkCloseReason, detail: string, sayGoodbye: boolean): void {
    if (this.#state === 'closed') return
    const wasOpen = this.#state === 'open'
    this.#state = 'closed'
    for (const timer of this.#timers) this.#options.clock.clearTimeout(timer)
    this.#timers.clear()
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#main.outbox.close()
    void this.#bulk?.then((lane) => {
      lane?.outbox.close()
      lane?.pipe.close(reason)
    })
    const pipe = this.#main.pipe
    if (wasOpen && sayGoodbye && pipe.isOpen) {
      pipe.send(encodeFrame({ type: 'close', reason: reason === 'local-close' ? detail : reason }))
      closeWhenFlushed(pipe, reason)
    } else {
      pipe.close(reason)
    }
    if (!wasOpen) this.#settleOpened(new Error(`link not established (${reason}): ${detail}`))
    this.emit('close', { reason, detail })
  }

  #after(ms: number, callback: () => void): void {
    const timer = this.#options.clock.setTimeout(() => {
      this.#timers.delete(timer)
      callback()
    }, ms)
    this.#timers.add(timer)
  }

  #every(ms: number, callback: () => void): void {
    this.#after(ms, () => {
      if (this.#state === 'closed') return
      callback()
      this.#every(ms, callback)
    })
  }
}

/** Gives the goodbye frame a moment to leave before the pipe (maybe the connection) closes. */
function closeWhenFlushed(pipe: DataPipe, reason: string): void {
  const deadline = Date.now() + CLOSE_FLUSH_MS
  const check = (): void => {
    if (!pipe.isOpen) return
    if (pipe.bufferedAmount === 0 || Date.now() > deadline) pipe.close(reason)
    else setTimeout(check, 10)
  }
  setTimeout(check, 10)
}
