import type { DataConnection } from 'peerjs'
import { ChannelPipe, type PipeConnection } from './channel-pipe.ts'
import { ConnectionGoodbye } from './pipe-goodbye.ts'
import { channelIdForLabel, isChannelLabel } from './channel-id.ts'
import type { DataPipe, PipeStats } from './pipe.ts'
import { pipeStatsFromReport } from './rtc-stats.ts'
import { connectionFingerprints } from './sdp-fingerprint.ts'

export interface PeerJsPipeOptions {
  /** The pipe rejects if the connection is not up by then. */
  openTimeoutMs: number
  /** openSideChannel() rejects if the peer has not opened the same label by then. Default 10 s. */
  sideChannelTimeoutMs?: number
  /** Ends the attempt: the promise rejects and the connection closes (FIN first if it can). */
  signal?: AbortSignal
}

const MAX_MESSAGE_SIZE = 256 * 1024

/**
 * Wraps a peerjs DataConnection (opened with `reliable: true`, serialization "raw") as a
 * DataPipe. Bytes go straight through the connection's RTCDataChannel, so `bufferedAmount`
 * and `drain` are the channel's own; side channels are negotiated channels on the same
 * RTCPeerConnection, invisible to peerjs. Both ends must wrap their side.
 */
export function createPeerJsPipe(
  connection: DataConnection,
  options: PeerJsPipeOptions,
): Promise<DataPipe> {
  return new Promise<DataPipe>((resolve, reject) => {
    let settled = false
    let rtc: PeerJsConnection | undefined
    let main: ChannelPipe | undefined
    const timer = setTimeout(
      () => fail(`the PeerJS connection did not open within ${options.openTimeoutMs} ms`),
      options.openTimeoutMs,
    )
    /** `gone`: PeerJS closed the connection itself, so nothing under it may be touched. */
    const fail = (reason: string, gone = false) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // A pipe that is handshaking says FIN first (its close closes the connection).
      if (main && !gone) main.close(reason)
      else {
        connection.close()
        rtc?.closeAll(reason)
      }
      reject(new Error(reason))
    }
    const start = () => {
      if (settled) return
      const shared = new PeerJsConnection(connection, options.sideChannelTimeoutMs ?? 10_000)
      rtc = shared
      main = new ChannelPipe(connection.dataChannel, shared, {
        handshakeTimeoutMs: options.openTimeoutMs,
        onClosed: (reason) => shared.end(reason, () => connection.close()),
      })
      const opened = main
      shared.track(opened)
      opened.ready.then(
        async () => {
          try {
            await shared.readFingerprints()
          } catch (error) {
            return fail(`cannot authenticate this connection: ${messageOf(error)}`)
          }
          if (settled) return opened.close('the connection attempt ended')
          settled = true
          clearTimeout(timer)
          resolve(opened)
        },
        (error: Error) => fail(error.message),
      )
    }
    options.signal?.addEventListener('abort', () => fail('the connection attempt was cancelled'))
    connection.on('close', () => fail('the PeerJS connection closed before it opened', true))
    connection.on('error', (error) => fail(`PeerJS connection error: ${error.message}`, true))
    if (connection.open && connection.dataChannel) start()
    else connection.on('open', start)
  })
}

/** The RTCPeerConnection under one peerjs DataConnection, shared by its channel pipes. */
class PeerJsConnection implements PipeConnection {
  readonly #connection: DataConnection
  readonly #sideChannelTimeoutMs: number
  readonly #goodbye = new ConnectionGoodbye()
  readonly #sideChannels = new Map<string, Promise<DataPipe>>()
  /** Labels of channels handed out raw (openRawChannel): never reused here. */
  readonly #raw = new Set<string>()
  #fingerprints = { local: '', remote: '' }

  constructor(connection: DataConnection, sideChannelTimeoutMs: number) {
    this.#connection = connection
    this.#sideChannelTimeoutMs = sideChannelTimeoutMs
    connection.on('close', () => this.closeAll('the PeerJS connection closed'))
    const pc = connection.peerConnection
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
        this.closeAll(`connection ${pc.connectionState}`)
      }
    })
  }

  get maxMessageSize(): number {
    const size = this.#connection.peerConnection.sctp?.maxMessageSize
    return typeof size === 'number' && size > 0
      ? Math.min(size, MAX_MESSAGE_SIZE)
      : MAX_MESSAGE_SIZE
  }

  get fingerprints(): { readonly local: string; readonly remote: string } {
    return this.#fingerprints
  }

  /** Set before the native connection closes; from then on its channels are never touched. */
  get closed(): boolean {
    return this.#goodbye.closed
  }

  async readFingerprints(): Promise<void> {
    this.#fingerprints = await connectionFingerprints(this.#connection.peerConnection)
  }

  track(pipe: ChannelPipe): void {
    this.#goodbye.track(pipe)
  }

  openRawChannel(label: string): RTCDataChannel | undefined {
    if (this.#goodbye.closed || !isChannelLabel(label)) return undefined
    if (this.#raw.has(label) || this.#sideChannels.has(label)) return undefined
    try {
      const channel = this.#connection.peerConnection.createDataChannel(label, {
        negotiated: true,
        id: channelIdForLabel(label),
        ordered: true,
      })
      this.#raw.add(label)
      return channel
    } catch {
      return undefined
    }
  }

  openSideChannel(label: string): Promise<DataPipe> {
    const existing = this.#sideChannels.get(label)
    if (existing) return existing
    if (this.#goodbye.closed) return Promise.reject(new Error('the connection is closed'))
    if (this.#raw.has(label)) return Promise.reject(new Error(`channel "${label}" is taken`))
    if (!isChannelLabel(label)) return Promise.reject(new Error(`invalid channel label "${label}"`))
    let channel: RTCDataChannel
    try {
      const id = channelIdForLabel(label)
      channel = this.#connection.peerConnection.createDataChannel(label, {
        negotiated: true,
        id,
        ordered: true,
      })
    } catch (error) {
      return Promise.reject(new Error(`cannot open channel "${label}": ${messageOf(error)}`))
    }
    const pipe = new ChannelPipe(channel, this, {
      handshakeTimeoutMs: this.#sideChannelTimeoutMs,
      onClosed: () => this.#sideChannels.delete(label),
    })
    this.track(pipe)
    const opened = pipe.ready.then(() => pipe as DataPipe)
    this.#sideChannels.set(label, opened)
    return opened
  }

  async stats(): Promise<PipeStats> {
    try {
      return pipeStatsFromReport(await this.#connection.peerConnection.getStats())
    } catch {
      return {
        rttMs: null,
        bytesSent: 0,
        bytesReceived: 0,
        localCandidateType: null,
        remoteCandidateType: null,
      }
    }
  }

  /** Ends the connection: see ConnectionGoodbye.end; `close` closes the PeerJS connection. */
  end(reason: string, close: () => void): void {
    this.#goodbye.end(reason, close)
  }

  /** Marks every pipe closed: PeerJS closed the connection itself. */
  closeAll(reason: string): void {
    this.#goodbye.lost(reason)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
