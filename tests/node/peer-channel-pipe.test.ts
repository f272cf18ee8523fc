import { describe, expect, it } from 'vitest'
import { ChannelPipe, type PipeConnection } from '../../src/peer/transport/channel-pipe.ts'

/** A negotiated RTCDataChannel stand-in that throws on send() unless open, as browsers do. */
class FakeChannel {
  readonly label = 'bulk'
  readyState: RTCDataChannelState = 'connecting'
  binaryType = 'blob'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  sent: string[] = []
  peer: FakeChannel | undefined
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  onbufferedamountlow: (() => void) | null = null

  send(data: Uint8Array): void {
    if (this.readyState !== 'open') {
      throw new Error("Failed to execute 'send': RTCDataChannel.readyState is not 'open'")
    }
    this.sent.push(new TextDecoder().decode(data).replace('\u0000peerplace-pipe-', ''))
    const copy = data.slice().buffer
    queueMicrotask(() => this.peer?.onmessage?.({ data: copy }))
  }

  open(): void {
    this.readyState = 'open'
    this.onopen?.()
  }

  close(): void {
    this.readyState = 'closed'
  }
}

const connection: PipeConnection = {
  maxMessageSize: 65536,
  fingerprints: { local: 'a', remote: 'b' },
  openSideChannel: () => Promise.reject(new Error('not here')),
  stats: () => Promise.reject(new Error('not here')),
}

function pipeOn(channel: FakeChannel, handshakeTimeoutMs = 2000): ChannelPipe {
  return new ChannelPipe(channel as unknown as RTCDataChannel, connection, { handshakeTimeoutMs })
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('channel pipe handshake', () => {
  it("holds the peer's SYN that arrives before its own channel opens, then completes", async () => {
    const [a, b] = [new FakeChannel(), new FakeChannel()]
    a.peer = b
    b.peer = a
    const [pipeA, pipeB] = [pipeOn(a), pipeOn(b)]
    // A's end opens first and sends its SYN; B's end is still connecting when it arrives
    // (Chromium delivers it before B's own 'open' event).
    a.open()
    await tick()
    expect(b.readyState).toBe('connecting')
    expect(pipeB.isOpen).toBe(false)
    b.open()
    await Promise.all([pipeA.ready, pipeB.ready])
    expect(pipeA.isOpen && pipeB.isOpen).toBe(true)
    expect(b.sent.slice(0, 2)).toEqual(['syn', 'ack'])

    const received: string[] = []
    pipeB.on('message', (data) => received.push(new TextDecoder().decode(data)))
    pipeA.send(new TextEncoder().encode('data'))
    await tick()
    expect(received).toEqual(['data'])
  })

  it('drops data that comes before the handshake, and closes after its timeout', async () => {
    const channel = new FakeChannel()
    // No handshake comes: the timeout is all this test waits for.
    const pipe = pipeOn(channel, 200)
    channel.onmessage?.({ data: new TextEncoder().encode('early data').buffer })
    channel.open()
    await tick()
    expect(pipe.isOpen).toBe(false)
    await expect(pipe.ready).rejects.toThrow(/did not open its end/)
  })
})
