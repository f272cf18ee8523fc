import SimplePeer from 'simple-peer'
import { ChannelPipe, type PipeConnection } from './channel-pipe.ts'
import { ConnectionGoodbye } from './pipe-goodbye.ts'
import { channelIdForLabel, isChannelLabel } from './channel-id.ts'
import type { DataPipe, PipeStats } from './pipe.ts'
import { pipeStatsFromReport } from './rtc-stats.ts'
import { connectionFingerprints } from './sdp-fingerprint.ts'
import { watchIceGathering } from './ice-gathering.ts'
import { IceRestarter, type PathState } from './ice-restarter.ts'
import { isRenegotiateSignal, isSimplePeerSignal } from './signal-data.ts'
import { startTrace } from '../../lib/start-trace.ts'

export interface SimplePeerPipeOptions {
  initiator: boolean
  iceServers: RTCIceServer[]
  /** 'relay' connects through TURN only (hides this device's addresses). Default 'all'. */
  iceTransportPolicy?: RTCIceTransportPolicy
  /** A WebRTC implementation for Node (`@roamhq/wrtc`); browsers use their own. */
  wrtc?: object
  trickle?: boolean
  /** Label of the main channel; both peers must use the same one. */
  channelLabel?: string
  /** `pipe` rejects if the connection is not up by then. Default 30 s. */
  connectTimeoutMs?: number
  /** openSideChannel() rejects if the peer has not opened the same label by then. Default 10 s. */
  sideChannelTimeoutMs?: number
  /** Between ICE restart attempts while an open connection's path is down. Default 2000 ms. */
  iceRestartRetryMs?: number
}

/** A connection attempt: carry `onSignal` output to the peer and its signals into `signal`. */
export interface PendingPipe {
  /** Resolves once the main channel is open at both ends; rejects with a clear Error. */
  pipe: Promise<DataPipe>
  signal(data: unknown): void
  onSignal(cb: (data: unknown) => void): void
  destroy(reason?: string): void
}

const MAX_MESSAGE_SIZE = 256 * 1024

/** Starts a WebRTC connection with simple-peer and wraps it as a DataPipe. */
export function createSimplePeerPipe(opts: SimplePeerPipeOptions): PendingPipe {
  const signalListeners: ((data: unknown) => void)[] = []
  const heldSignals: unknown[] = []
  let settled = false
  let resolvePipe!: (pipe: DataPipe) => void
  let rejectPipe!: (error: Error) => void
  const pipe = new Promise<DataPipe>((resolve, reject) => {
    resolvePipe = resolve
    rejectPipe = reject
  })
  const fail = (error: Error): void => {
    if (settled) return
    settled = true
    rejectPipe(error)
  }

  let peer: SimplePeer.Instance
  let pc: RTCPeerConnection
  try {
    peer = new SimplePeer({
      initiator: opts.initiator,
      trickle: opts.trickle ?? true,
      config: { iceServers: opts.iceServers, iceTransportPolicy: opts.iceTransportPolicy ?? 'all' },
      ...(opts.wrtc ? { wrtc: opts.wrtc as SimplePeer.Options['wrtc'] } : {}),
    })
    pc = peerConnectionOf(peer)
  } catch (error) {
    fail(new Error(`WebRTC is unavailable: ${messageOf(error)}`))
    return { pipe, signal: () => {}, onSignal: () => {}, destroy: () => {} }
  }

  const emitSignal = (data: unknown): void => {
    startTrace('rtc-out', String((data as { type?: unknown }).type ?? 'candidate'))
    if (signalListeners.length === 0) heldSignals.push(data)
    for (const listener of signalListeners) listener(data)
  }
  const restarter = new IceRestarter(pc, {
    initiator: opts.initiator,
    offerRestart: () => {
      pc.restartIce()
      renegotiable(peer).negotiate()
    },
    askPeer: () => emitSignal({ type: 'renegotiate', renegotiate: true }),
    onPathChange: (state) => connection.pathChanged(state),
    onGiveUp: (reason) => end(reason, new Error(reason)),
    ...(opts.iceRestartRetryMs ? { retryMs: opts.iceRestartRetryMs } : {}),
  })
  const connection = new SimplePeerConnection(pc, opts.sideChannelTimeoutMs ?? 10_000, restarter)
  holdIceFailures(
    pc,
    () => restarter.holdsFailures,
    () => connection.closed || isEnding(peer),
  )
  /**
   * Ends the connection. Our side is marked closed before simple-peer closes the native
   * objects: with @roamhq/wrtc, touching a channel or connection after it closed can crash the
   * whole process (SIGSEGV), so nothing here touches them afterwards.
   */
  const end = (reason: string, error?: Error): void => {
    clearTimeout(timeout)
    restarter.close()
    connection.end(reason, () => peer.destroy(error))
  }
  const mainLabel = opts.channelLabel ?? 'peerplace'
  const connectTimeoutMs = opts.connectTimeoutMs ?? 30_000
  // The connect timeout below is the one that reports; the channel's own is only a backstop.
  const main = connection.addChannel(mainLabel, connectTimeoutMs + 1000, (reason) => end(reason))
  if (!main.ok) {
    peer.destroy()
    fail(new Error(main.error))
    return { pipe, signal: () => {}, onSignal: () => {}, destroy: () => {} }
  }

  const ice = watchIceGathering(pc, opts)
  ice.onNoCandidates((reason) => {
    if (settled) return // a restart that gathered nothing: the restarter tries again
    fail(new Error(reason))
    end(reason)
  })
  const timeout: ReturnType<typeof setTimeout> = setTimeout(() => {
    const reason = `WebRTC connection timed out after ${connectTimeoutMs} ms${ice.errorSuffix()}`
    fail(new Error(reason))
    end(reason)
  }, connectTimeoutMs)

  main.pipe.ready.then(
    async () => {
      clearTimeout(timeout)
      startTrace('rtc-open')
      try {
        await connection.readFingerprints()
      } catch (error) {
        const reason = `cannot authenticate this connection: ${messageOf(error)}`
        fail(new Error(reason))
        end(reason)
        return
      }
      if (settled) return
      settled = true
      restarter.activate()
      resolvePipe(main.pipe)
    },
    (error: Error) => {
      clearTimeout(timeout)
      fail(error)
    },
  )

  peer.on('signal', emitSignal)
  peer.on('error', (error: Error & { code?: string }) => {
    const reason = `WebRTC connection failed (${error.code ?? 'error'}): ${error.message}${ice.errorSuffix()}`
    fail(new Error(reason))
    restarter.close()
    connection.closeAll(reason)
  })
  peer.on('close', () => {
    clearTimeout(timeout)
    restarter.close()
    fail(new Error('WebRTC connection closed before it opened'))
    connection.closeAll('connection closed')
  })

  return {
    pipe,
    signal(data) {
      if (connection.closed || isEnding(peer)) return
      if (isRenegotiateSignal(data)) {
        restarter.peerAsked()
        return
      }
      if (!isSimplePeerSignal(data)) {
        console.warn('simple-peer pipe: dropping an invalid signal')
        return
      }
      const type = (data as { type?: unknown }).type
      startTrace('rtc-in', String(type ?? 'candidate'))
      if (settled && type === 'offer') restarter.peerOffered()
      // The answer to a restart offer this side already rolled back (it waited too long): applied
      // now, it would fail and simple-peer would end a connection that is otherwise fine.
      if (type === 'answer' && pc.signalingState !== 'have-local-offer') {
        console.info('simple-peer pipe: dropped an answer to an offer already withdrawn')
        return
      }
      try {
        peer.signal(data as SimplePeer.SignalData)
      } catch (error) {
        console.warn(`simple-peer pipe: signal refused: ${messageOf(error)}`)
      }
    },
    onSignal(cb) {
      signalListeners.push(cb)
      for (const data of heldSignals.splice(0)) cb(data)
    },
    destroy(reason = 'destroyed') {
      fail(new Error(`connection attempt cancelled: ${reason}`))
      main.pipe.close(reason)
      end(reason)
    },
  }
}

/**
 * simple-peer keeps its RTCPeerConnection in the internal `_pc`. This is the one place that
 * reaches for it: we need it for negotiated channels (so simple-peer's `ondatachannel` never
 * takes them), SCTP limits, SDP fingerprints and stats.
 */
function peerConnectionOf(peer: SimplePeer.Instance): RTCPeerConnection {
  const pc = (peer as unknown as { _pc?: RTCPeerConnection | null })._pc
  if (!pc) throw new Error('simple-peer created no RTCPeerConnection')
  return pc
}

/** simple-peer 9's renegotiation entry point (made for tracks; missing from its typings). */
function renegotiable(peer: SimplePeer.Instance): { negotiate(): void } {
  return peer as unknown as { negotiate(): void }
}

/**
 * simple-peer ends the connection when ICE (or the connection) reports 'failed'. An open
 * connection's failed path is the ICE restarter's to mend, so those reports are kept from
 * simple-peer while `holding()`; everything else reaches it as before.
 */
function holdIceFailures(
  pc: RTCPeerConnection,
  holding: () => boolean,
  closed: () => boolean,
): void {
  const onIce = pc.oniceconnectionstatechange
  const onConnection = pc.onconnectionstatechange
  // Once closed, simple-peer ignores these events: passed on unread (a closed wrtc connection
  // must not be read).
  pc.oniceconnectionstatechange = (event) => {
    if (closed()) return
    if (pc.iceConnectionState === 'failed' && holding()) return
    onIce?.call(pc, event)
  }
  pc.onconnectionstatechange = (event) => {
    if (closed()) return
    if (pc.connectionState === 'failed' && holding()) return
    onConnection?.call(pc, event)
  }
}

/** Whether simple-peer has begun closing its connection (it closes the native one next). */
function isEnding(peer: SimplePeer.Instance): boolean {
  const state = peer as unknown as { destroyed?: boolean; destroying?: boolean }
  return state.destroyed === true || state.destroying === true
}

/** The RTCPeerConnection side of every channel pipe of one connection. */
class SimplePeerConnection implements PipeConnection {
  readonly #pc: RTCPeerConnection
  readonly #sideChannelTimeoutMs: number
  readonly #channels = new Map<number, { label: string; pipe: ChannelPipe }>()
  /** The IDs of channels handed out raw (openRawChannel), by label: never reused here. */
  readonly #raw = new Map<number, string>()
  readonly #pending = new Map<string, Promise<DataPipe>>()
  readonly #restarter: IceRestarter
  #fingerprints = { local: '', remote: '' }
  #maxMessageSize: number | undefined
  readonly #goodbye = new ConnectionGoodbye()

  constructor(pc: RTCPeerConnection, sideChannelTimeoutMs: number, restarter: IceRestarter) {
    this.#pc = pc
    this.#sideChannelTimeoutMs = sideChannelTimeoutMs
    this.#restarter = restarter
  }

  get pathState(): PathState {
    return this.#restarter.state
  }

  /** Set before the native connection closes; from then on it is never touched again. */
  get closed(): boolean {
    return this.#goodbye.closed
  }

  restartPath(): void {
    if (!this.closed) this.#restarter.restart()
  }

  pathChanged(state: PathState): void {
    for (const { pipe } of [...this.#channels.values()]) pipe.pathChanged(state)
  }

  get maxMessageSize(): number {
    if (this.#maxMessageSize !== undefined) return this.#maxMessageSize
    if (this.closed) return MAX_MESSAGE_SIZE
    const size = this.#pc.sctp?.maxMessageSize
    if (typeof size !== 'number' || size <= 0) return MAX_MESSAGE_SIZE
    // Agreed once the connection is up; kept, so it is never read from a closed connection.
    this.#maxMessageSize = Math.min(size, MAX_MESSAGE_SIZE)
    return this.#maxMessageSize
  }

  get fingerprints(): { readonly local: string; readonly remote: string } {
    return this.#fingerprints
  }

  async readFingerprints(): Promise<void> {
    const pc = this.#pc
    const open = () => !this.closed
    this.#fingerprints = await connectionFingerprints({
      get localDescription() {
        return open() ? pc.localDescription : null
      },
      get remoteDescription() {
        return open() ? pc.remoteDescription : null
      },
      get signalingState() {
        return open() ? pc.signalingState : 'closed'
      },
    })
  }

  addChannel(
    label: string,
    handshakeTimeoutMs: number,
    onClosed?: (reason: string) => void,
  ): { ok: true; pipe: ChannelPipe } | { ok: false; error: string } {
    if (this.closed) return { ok: false, error: 'the connection is closed' }
    if (!isChannelLabel(label)) return { ok: false, error: `invalid channel label "${label}"` }
    const id = channelIdForLabel(label)
    const taken = this.#channels.get(id)?.label ?? this.#raw.get(id)
    if (taken !== undefined) {
      return { ok: false, error: `channel "${label}" collides with "${taken}" (id ${id})` }
    }
    let channel: RTCDataChannel
    try {
      channel = this.#pc.createDataChannel(label, { negotiated: true, id, ordered: true })
    } catch (error) {
      return { ok: false, error: `cannot open channel "${label}": ${messageOf(error)}` }
    }
    const pipe = new ChannelPipe(channel, this, {
      handshakeTimeoutMs,
      onClosed: (reason) => {
        this.#channels.delete(id)
        this.#pending.delete(label)
        onClosed?.(reason)
      },
    })
    this.#goodbye.track(pipe)
    this.#channels.set(id, { label, pipe })
    return { ok: true, pipe }
  }

  openRawChannel(label: string): RTCDataChannel | undefined {
    if (this.closed || !isChannelLabel(label)) return undefined
    const id = channelIdForLabel(label)
    if (this.#channels.has(id) || this.#raw.has(id)) return undefined
    try {
      const channel = this.#pc.createDataChannel(label, { negotiated: true, id, ordered: true })
      this.#raw.set(id, label)
      return channel
    } catch {
      return undefined
    }
  }

  openSideChannel(label: string): Promise<DataPipe> {
    const pending = this.#pending.get(label)
    if (pending) return pending
    const added = this.addChannel(label, this.#sideChannelTimeoutMs)
    if (!added.ok) return Promise.reject(new Error(added.error))
    const opened = added.pipe.ready.then(() => added.pipe)
    this.#pending.set(label, opened)
    return opened
  }

  async stats(): Promise<PipeStats> {
    if (this.closed) return emptyStats()
    try {
      return pipeStatsFromReport(await this.#pc.getStats())
    } catch {
      return emptyStats()
    }
  }

  /** Ends the connection: see ConnectionGoodbye.end; `close` closes the native connection. */
  end(reason: string, close: () => void): void {
    this.#goodbye.end(reason, close)
  }

  /** Marks every pipe closed: the native connection is already gone. */
  closeAll(reason: string): void {
    this.#goodbye.lost(reason)
  }
}

function emptyStats(): PipeStats {
  return {
    rttMs: null,
    bytesSent: 0,
    bytesReceived: 0,
    localCandidateType: null,
    remoteCandidateType: null,
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
