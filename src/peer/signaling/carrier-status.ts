import type { SignalingKind, SignalingState } from './signaling.ts'

/**
 * One first-contact carrier (the relays, the PeerJS broker) as people should see it when
 * several run at once: the device is "connected" while any of them is open, so a failing one
 * is only visible here.
 */
export interface CarrierStatus {
  readonly kind: SignalingKind
  /** e.g. "relay wss://example.org/relay" or "peerjs https://example.org/peerjs". */
  readonly endpoint: string
  readonly state: SignalingState
  /** The first error it reported since it was last open (the cause, usually). */
  readonly error?: string
  /** It does not answer: closed, every endpoint of it tried, or an error since it was open. */
  readonly failing: boolean
}

/** What CarrierStatus reads of a signaling (FailoverSignaling also says `unanswered`). */
export interface CarrierSource {
  readonly kind: SignalingKind
  readonly endpoint: string
  readonly state: SignalingState
  readonly unanswered?: boolean
}

export function carrierStatus(source: CarrierSource, error: string | undefined): CarrierStatus {
  const { kind, endpoint, state } = source
  const failing =
    state === 'closed' || (state !== 'open' && (source.unanswered === true || error !== undefined))
  return { kind, endpoint, state, failing, ...(error === undefined ? {} : { error }) }
}

/** The carriers that fail while another one is open: first contact works, but not fully. */
export function failingBeside(carriers: readonly CarrierStatus[]): CarrierStatus[] {
  if (!carriers.some((carrier) => carrier.state === 'open')) return []
  return carriers.filter((carrier) => carrier.failing)
}
