/**
 * A negotiated RTCDataChannel stand-in: it throws on send() unless open, as browsers do, and
 * delivers to its `peer` end a microtask later. What it sends is recorded as text (a pipe's
 * control messages by their names: 'syn', 'ack', 'fin').
 */
export class FakeDataChannel {
  readonly label: string
  readyState: RTCDataChannelState = 'connecting'
  binaryType = 'blob'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  sent: string[] = []
  peer: FakeDataChannel | undefined
  /** While set, messages for this end wait here (its thread is busy) until delivered. */
  held: (() => void)[] | undefined
  closedAt: number | undefined
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  onbufferedamountlow: (() => void) | null = null

  constructor(label = 'bulk') {
    this.label = label
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 'open') {
      throw new Error("Failed to execute 'send': RTCDataChannel.readyState is not 'open'")
    }
    this.sent.push(new TextDecoder().decode(data).replace('\u0000peerplace-pipe-', ''))
    // A copy of just its bytes (a Node Buffer's slice() is a view of a shared pool).
    const copy = Uint8Array.from(data).buffer
    const peer = this.peer
    const deliver = () => peer?.onmessage?.({ data: copy })
    if (peer?.held) peer.held.push(deliver)
    else queueMicrotask(deliver)
  }

  deliverHeld(): void {
    const held = this.held ?? []
    this.held = undefined
    for (const deliver of held) deliver()
  }

  open(): void {
    this.readyState = 'open'
    this.onopen?.()
  }

  /** Closes this end only (the peer's end is left as it is). */
  close(): void {
    this.readyState = 'closed'
    this.closedAt = performance.now()
  }

  /** The connection under both ends went away: each end closes and says so. */
  lose(): void {
    for (const end of [this, this.peer]) {
      if (!end || end.readyState === 'closed') continue
      end.readyState = 'closed'
      end.onclose?.()
    }
  }
}

/** Two ends of one negotiated channel, neither open yet. */
export function fakeChannelPair(label = 'bulk'): [FakeDataChannel, FakeDataChannel] {
  const [a, b] = [new FakeDataChannel(label), new FakeDataChannel(label)]
  a.peer = b
  b.peer = a
  return [a, b]
}
