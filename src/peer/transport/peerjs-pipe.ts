import type { DataConnection } from 'peerjs'
import { ChannelPipe, type PipeConnection } from './channel-pipe.ts'
import { channelIdForLabel, isChannelLabel } from './channel-id.ts'
import type { DataPipe, PipeStats } from './pipe.ts'
import { pipeStatsFromReport } from './rtc-stats.ts'
import { connectionFingerprints } from './sdp-fingerprint.ts'

export interface PeerJsPipeOptions {
  /** The pipe rejects if the connection is not up by then. */
  openTimeoutMs: number
  /** openSideChannel() rejects if the peer has not opened the same label by then. Default 10 s. */
  sideChannelTimeoutMs?: number
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
    const timer = setTimeout(
      () => fail(`the PeerJS connection did not open within ${options.openTimeoutMs} ms`),
      options.openTimeoutMs,
    )
    const fail = (reason: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      connection.close()
      reject(new Error(reason))
    }
    const start = () => {
      if (settled) return
      const rtc = new PeerJsConnection(connection, options.sideChannelTimeoutMs ?? 10_000)
      const main = new ChannelPipe(connection.dataChannel, rtc, {
        handshakeTimeoutMs: options.openTimeoutMs,
        onClosed: (reason) => {
          connection.close()
          rtc.closeAll(reason)
        },
      })
      rtc.track(main)
      main.ready.then(
        async () => {
          try {
            await rtc.readFingerprints()
          } catch (error) {
            main.close('no fingerprints')
            return fail(`cannot authenticate this connection: ${messageOf(error)}`)
          }
          if (settled) return main.close('the connection attempt ended')
          settled = true
          clearTimeout(timer)
          resolve(main)
        },
        (error: Error) => fail(error.message),
      )
    }
    connection.on('close', () => fail('the PeerJS connection closed before it opened'))
    connection.on('error', (error) => fail(`PeerJS connection error: ${error.message}`))
    if (connection.open && connection.dataChannel) start()
    else connection.on('open', start)
  })
}

/** The RTCPeerConnection under one peerjs DataConnection, shared by its channel pipes. */
class PeerJsConnection implements PipeConnection {
  readonly #connection: DataConnection
  readonly #sideChannelTimeoutMs: number
  readonly #pipes = new Set<ChannelPipe>()
  readonly #sideChannels = new Map<string, Promise<DataPipe>>()
  #fingerprints = { local: '', remote: '' }
  #closed = false

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

  async readFingerprints(): Promise<void> {
    this.#fingerprints = await connectionFingerprints(this.#connection.peerConnection)
  }

  track(pipe: ChannelPipe): void {
    this.#pipes.add(pipe)
    pipe.on('close', () => this.#pipes.delete(pipe))
  }

  openSideChannel(label: string): Promise<DataPipe> {
    const existing = this.#sideChannels.get(label)
    if (existing) return existing
    if (this.#closed) return Promise.reject(new Error('the connection is closed'))
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

  closeAll(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    for (const pipe of [...this.#pipes]) pipe.connectionClosed(reason)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
