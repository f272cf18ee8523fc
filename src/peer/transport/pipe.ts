import type { Emitter } from '../../lib/emitter.ts'

export interface DataPipeEvents extends Record<string, unknown> {
  open: void
  message: Uint8Array
  /** Emitted once; the reason is for logs and diagnostics. */
  close: { reason: string }
  /** bufferedAmount fell to or below the low-water mark. */
  drain: void
  /**
   * The connection's network path was lost ('interrupted': ICE is restarting it; the pipe stays
   * open and sends wait) or is back ('ok'). Only pipes that can restart their path emit it.
   */
  path: { state: 'ok' | 'interrupted' }
}

/**
 * One open WebRTC data channel to one peer, whatever made it (simple-peer through a signal
 * carrier, or peerjs). Binary, ordered, reliable. Knows nothing of authentication: the link
 * layer above proves who is on the other end.
 */
export interface DataPipe extends Pick<Emitter<DataPipeEvents>, 'on' | 'off'> {
  readonly isOpen: boolean
  /** Bytes queued in the channel and not yet sent. */
  readonly bufferedAmount: number
  /** The SCTP max message size the peers agreed on (bytes). */
  readonly maxMessageSize: number
  /** SHA-256 DTLS certificate fingerprints from the local and remote SDP, lower-case hex. */
  readonly fingerprints: { readonly local: string; readonly remote: string }
  send(data: Uint8Array): void
  /** Opens a second ordered channel on the same connection, for bulk transfers. */
  openSideChannel(label: string): Promise<DataPipe>
  /**
   * Creates a negotiated data channel on the same connection (its ID derived from `label`, as a
   * side channel's) for the caller to own: it may transfer it to a worker, in the same task.
   * Nothing here reads, tracks or closes it; it closes with the connection. What arrives on it
   * comes from the same DTLS peer as this pipe. Undefined when the channel cannot be made (the
   * label is taken, the connection closed); absent where the transport has no such channels.
   */
  openRawChannel?(label: string): RTCDataChannel | undefined
  /**
   * Restarts the connection's network path (an ICE restart) without closing anything, e.g.
   * when the peer has gone silent or the device changed networks. Absent when the pipe cannot.
   */
  restartPath?(): void
  /** Current connection statistics for diagnostics (RTT, bytes, candidate types). */
  stats(): Promise<PipeStats>
  close(reason?: string): void
}

export interface PipeStats {
  rttMs: number | null
  bytesSent: number
  bytesReceived: number
  /** 'host' | 'srflx' | 'prflx' | 'relay' for each end of the selected pair, when known. */
  localCandidateType: string | null
  remoteCandidateType: string | null
}
