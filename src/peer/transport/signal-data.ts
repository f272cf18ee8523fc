const MAX_SDP_LENGTH = 64 * 1024
const MAX_CANDIDATE_LENGTH = 2048

/**
 * Whether a signal from the peer is one simple-peer can take: an offer or answer with an SDP,
 * or an ICE candidate. simple-peer tears the connection down on malformed input, so anything
 * else is checked here and dropped instead.
 */
export function isSimplePeerSignal(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false
  const signal = data as Record<string, unknown>
  if (signal.type === 'offer' || signal.type === 'answer') {
    return typeof signal.sdp === 'string' && signal.sdp.length <= MAX_SDP_LENGTH
  }
  if (signal.type !== 'candidate') return false
  const candidate = signal.candidate as Record<string, unknown> | null | undefined
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.candidate === 'string' &&
    candidate.candidate.length <= MAX_CANDIDATE_LENGTH &&
    (candidate.sdpMid === undefined ||
      candidate.sdpMid === null ||
      typeof candidate.sdpMid === 'string') &&
    (candidate.sdpMLineIndex === undefined ||
      candidate.sdpMLineIndex === null ||
      Number.isInteger(candidate.sdpMLineIndex))
  )
}

/** simple-peer's request from the answering side for a new offer (here: an ICE restart). */
export function isRenegotiateSignal(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { renegotiate?: unknown }).renegotiate === true
  )
}
