import type { Emitter } from '../../lib/emitter.ts'
import type { PeerId } from '../ids.ts'
import type { PipeStats } from '../transport/pipe.ts'

export type LinkState = 'authenticating' | 'open' | 'closed'

/** Why a link closed, for the UI's diagnostics. */
export type LinkCloseReason =
  'local-close' | 'remote-close' | 'auth-failed' | 'timeout' | 'protocol-error' | 'pipe-closed'

export interface LinkEvents extends Record<string, unknown> {
  open: void
  /** An application message on a named channel ("mesh", "sync", "files", …). */
  message: { channel: string; data: Uint8Array }
  close: { reason: LinkCloseReason; detail: string }
  /** The network path was lost and is being restarted ('restarting') or is back ('ok'). */
  path: { state: LinkPathState }
  /**
   * While 'restarting': the transport says the path works again (ICE connected), but no ping
   * sent since the loss has been answered yet; frames sent meanwhile wait for the transport's
   * retransmission timer.
   */
  'path-back': void
}

/**
 * 'restarting': the peer went silent or ICE lost the path, and an ICE restart is under way,
 * until a ping sent since then is answered (the path works both ways again).
 */
export type LinkPathState = 'ok' | 'restarting'

/**
 * An authenticated, ordered, framed message pipe to one peer. `remote` is proven: the far end
 * signed this connection's DTLS fingerprints with the key its peer ID derives from.
 */
export interface Link extends Pick<Emitter<LinkEvents>, 'on' | 'off'> {
  readonly remote: PeerId
  readonly state: LinkState
  /** Milliseconds since the last frame of any kind from the peer. */
  readonly silentForMs: number
  /** Whether the path is being restarted; sends meanwhile wait and go out once it is back. */
  readonly path: LinkPathState
  /** How many times a lost path came back on this same connection. */
  readonly pathRecoveries: number
  /** Restarts the network path now (the device changed networks); no-op if it cannot. */
  restartPath(): void
  /**
   * Sends on a channel; payloads of any size are split below the SCTP limit and rejoined.
   * Messages of one `order` (by default, of one channel) arrive in the order sent; across orders
   * a short message may overtake a long one still being sent (see send-lanes.ts).
   */
  send(channel: string, data: Uint8Array, order?: string): void
  /**
   * Sends on the bulk side channel so control traffic never waits behind it. Resolves when
   * the payload is queued with the channel's buffer under its high-water mark (backpressure).
   */
  sendBulk(channel: string, data: Uint8Array): Promise<void>
  /**
   * A raw data channel on this link's connection, for the caller to own (see
   * DataPipe.openRawChannel): what arrives on it comes from `remote`, whom the link proved. Only
   * while open; absent where the transport has no such channels.
   */
  openRawChannel?(label: string): RTCDataChannel | undefined
  stats(): Promise<PipeStats & { rttMs: number | null }>
  close(reason?: string): void
}
