import { describe, expect, it, vi } from 'vitest'
import { ChannelPipe, type PipeConnection } from '../../src/peer/transport/channel-pipe.ts'
import { GOODBYE_TIMEOUT_MS } from '../../src/peer/transport/pipe-goodbye.ts'
import { FakeDataChannel as FakeChannel } from '../support/fake-data-channel.ts'

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

  it('sends SYNs ten a second at first, then one a second while the far end is not there', async () => {
    vi.useFakeTimers()
    try {
      const channel = new FakeChannel()
      const pipe = pipeOn(channel, 60_000)
      const failed = pipe.ready.catch((error: unknown) => error)
      channel.open()
      await vi.advanceTimersByTimeAsync(1_000)
      const first = channel.sent.filter((m) => m === 'syn').length
      expect(first).toBeGreaterThanOrEqual(10)
      expect(first).toBeLessThanOrEqual(11)
      await vi.advanceTimersByTimeAsync(59_000)
      const all = channel.sent.filter((m) => m === 'syn').length
      expect(all - first).toBeGreaterThanOrEqual(58)
      expect(all - first).toBeLessThanOrEqual(60)
      expect(await failed).toBeInstanceOf(Error)
    } finally {
      vi.useRealTimers()
    }
  })

  it('still completes when the far end opens after the SYNs slowed down', async () => {
    vi.useFakeTimers()
    try {
      const [a, b] = [new FakeChannel(), new FakeChannel()]
      a.peer = b
      b.peer = a
      const pipeA = pipeOn(a, 60_000)
      a.open()
      await vi.advanceTimersByTimeAsync(5_000)
      const pipeB = pipeOn(b, 60_000)
      b.open()
      await vi.advanceTimersByTimeAsync(1_000)
      expect(pipeA.isOpen && pipeB.isOpen).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})

async function openPair(): Promise<{
  a: FakeChannel
  b: FakeChannel
  pipeA: ChannelPipe
  pipeB: ChannelPipe
}> {
  const [a, b] = [new FakeChannel(), new FakeChannel()]
  a.peer = b
  b.peer = a
  const [pipeA, pipeB] = [pipeOn(a), pipeOn(b)]
  a.open()
  b.open()
  await Promise.all([pipeA.ready, pipeB.ready])
  return { a, b, pipeA, pipeB }
}

// @roamhq/wrtc crashes (SIGSEGV) when a send races with a close the peer started: the closing
// end must not close its channel while the peer may still be sending, however busy it is.
describe('channel pipe goodbye', () => {
  it('closes its channel only once the peer answered FIN, however late that is', async () => {
    const { a, b, pipeA, pipeB } = await openPair()
    b.held = [] // B's thread is busy: it has not read anything for a while
    const farReasons: string[] = []
    pipeB.on('close', ({ reason }) => farReasons.push(reason))
    pipeA.close('done')
    expect(a.sent.at(-1)).toBe('fin')
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(a.readyState, 'closed before the peer read FIN').toBe('open')
    // B keeps sending until it reads FIN; then it answers and sends nothing more.
    b.deliverHeld()
    await tick()
    expect(farReasons).toEqual(['the peer closed the channel'])
    expect(b.sent.at(-1)).toBe('fin')
    pipeB.send(new TextEncoder().encode('late'))
    expect(b.sent.at(-1)).toBe('fin')
    await tick()
    expect(a.readyState).toBe('closed')
    expect(b.readyState, 'the answering end leaves the closing to the first').toBe('open')
  })

  it('closes anyway when the peer never answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const { a, b, pipeA } = await openPair()
      b.held = [] // never delivered
      pipeA.close('done')
      vi.advanceTimersByTime(GOODBYE_TIMEOUT_MS - 1)
      expect(a.readyState).toBe('open')
      vi.advanceTimersByTime(1)
      expect(a.readyState).toBe('closed')
    } finally {
      vi.useRealTimers()
    }
  })

  it('when both ends close at once, each closes on the other’s FIN', async () => {
    const { a, b, pipeA, pipeB } = await openPair()
    pipeA.close('done')
    pipeB.close('done too')
    await tick()
    expect([a.readyState, b.readyState]).toEqual(['closed', 'closed'])
    expect(a.sent.filter((m) => m === 'fin')).toHaveLength(1)
    expect(b.sent.filter((m) => m === 'fin')).toHaveLength(1)
  })
})
