import wrtc from '@roamhq/wrtc'
import { afterEach, describe, expect, it } from 'vitest'
import { createSimplePeerPipe } from '../../src/peer/transport/simple-peer-pipe.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { connectWrtcPipes, nextMessage } from '../support/wrtc-pipes.ts'

const open: DataPipe[] = []
afterEach(() => {
  for (const pipe of open.splice(0)) pipe.close('test over')
})

describe('simple-peer pipe over @roamhq/wrtc', () => {
  it('connects, carries binary both ways and reports connection facts', async () => {
    const { pipes } = await connectWrtcPipes()
    open.push(...pipes)
    const [a, b] = pipes
    expect(a.isOpen && b.isOpen).toBe(true)
    expect(a.fingerprints.local).toMatch(/^[0-9a-f]{64}$/)
    expect(a.fingerprints.local).toBe(b.fingerprints.remote)
    expect(b.fingerprints.local).toBe(a.fingerprints.remote)
    expect(a.fingerprints.local).not.toBe(a.fingerprints.remote)
    expect(a.maxMessageSize).toBeGreaterThan(16 * 1024)
    expect(a.maxMessageSize).toBeLessThanOrEqual(256 * 1024)

    const toB = nextMessage(b)
    a.send(new Uint8Array([1, 2, 3]))
    expect(await toB).toEqual(new Uint8Array([1, 2, 3]))
    const toA = nextMessage(a)
    b.send(new Uint8Array(200_000).fill(7))
    const big = await toA
    expect(big.byteLength).toBe(200_000)
    expect(big.every((byte) => byte === 7)).toBe(true)

    const stats = await a.stats()
    expect(stats.bytesSent).toBeGreaterThan(0)
    expect(stats.localCandidateType).toBe('host')
  })

  it('drops an answer to an offer it already withdrew, and the connection carries on', async () => {
    const base = { iceServers: [], wrtc }
    const a = createSimplePeerPipe({ ...base, initiator: true })
    const b = createSimplePeerPipe({ ...base, initiator: false })
    const answers: unknown[] = []
    a.onSignal((data) => b.signal(data))
    b.onSignal((data) => {
      if ((data as { type?: unknown }).type === 'answer') answers.push(data)
      a.signal(data)
    })
    const [pa, pb] = await Promise.all([a.pipe, b.pipe])
    open.push(pa, pb)
    expect(answers).toHaveLength(1)
    // As when a restart offer was rolled back for want of an answer, and the answer came late.
    a.signal(answers[0])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(pa.isOpen && pb.isOpen).toBe(true)
    const toB = nextMessage(pb)
    pa.send(new Uint8Array([9]))
    expect(await toB).toEqual(new Uint8Array([9]))
  })

  it('delivers messages sent right after open to a listener attached later', async () => {
    const { pipes } = await connectWrtcPipes()
    open.push(...pipes)
    const [a, b] = pipes
    for (let i = 0; i < 5; i++) a.send(new Uint8Array([i]))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const seen: number[] = []
    await new Promise<void>((resolve) =>
      b.on('message', (data) => {
        seen.push(data[0] ?? -1)
        if (seen.length === 5) resolve()
      }),
    )
    expect(seen).toEqual([0, 1, 2, 3, 4])
  })

  it('opens side channels on both ends, at different times, and keeps them apart', async () => {
    const { pipes } = await connectWrtcPipes()
    open.push(...pipes)
    const [a, b] = pipes
    const sideA = a.openSideChannel('bulk')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const [bulkA, bulkB] = await Promise.all([sideA, b.openSideChannel('bulk')])
    expect(await a.openSideChannel('bulk')).toBe(bulkA)
    const onMain = nextMessage(b)
    const onSide = nextMessage(bulkB)
    bulkA.send(new Uint8Array([9]))
    a.send(new Uint8Array([1]))
    expect(await onSide).toEqual(new Uint8Array([9]))
    expect(await onMain).toEqual(new Uint8Array([1]))

    const sideClosed = new Promise((resolve) => bulkB.on('close', resolve))
    bulkA.close()
    await sideClosed
    expect(a.isOpen && b.isOpen).toBe(true)
  })

  it('signals drain after the buffer fills', async () => {
    const { pipes } = await connectWrtcPipes()
    open.push(...pipes)
    const [a] = pipes
    const drained = new Promise<void>((resolve) => a.on('drain', () => resolve()))
    const chunk = new Uint8Array(64 * 1024)
    // wrtc counts what a send queued on its own thread: read at once after the last send, the
    // amount was sometimes still 0 on a busy machine, so the peak over the sends is checked.
    let peak = 0
    for (let i = 0; i < 64; i++) {
      a.send(chunk)
      peak = Math.max(peak, a.bufferedAmount)
    }
    expect(peak).toBeGreaterThan(256 * 1024)
    await drained
    expect(a.bufferedAmount).toBeLessThanOrEqual(256 * 1024)
  })

  it('closing one end closes the other', async () => {
    const { pipes } = await connectWrtcPipes()
    const [a, b] = pipes
    const closed = new Promise<{ reason: string }>((resolve) => b.on('close', resolve))
    a.close('bye')
    expect((await closed).reason).toBeTruthy()
    expect(b.isOpen).toBe(false)
  })

  it('rejects with a clear error when the peer never answers', async () => {
    const lonely = createSimplePeerPipe({
      initiator: true,
      iceServers: [],
      wrtc,
      connectTimeoutMs: 300,
    })
    await expect(lonely.pipe).rejects.toThrow(/timed out/)
  })

  it('drops malformed signals instead of failing the connection', async () => {
    const a = createSimplePeerPipe({ initiator: true, iceServers: [], wrtc })
    const b = createSimplePeerPipe({ initiator: false, iceServers: [], wrtc })
    b.signal({ type: 'offer' })
    b.signal('nonsense')
    b.signal({ type: 'candidate', candidate: 42 })
    a.onSignal((data) => b.signal(data))
    b.onSignal((data) => a.signal(data))
    const pipes = await Promise.all([a.pipe, b.pipe])
    open.push(...pipes)
    expect(pipes[1].isOpen).toBe(true)
  })

  it('destroy() rejects a pending pipe', async () => {
    const attempt = createSimplePeerPipe({ initiator: true, iceServers: [], wrtc })
    attempt.destroy('changed my mind')
    await expect(attempt.pipe).rejects.toThrow(/changed my mind/)
  })

  it('restartPath() restarts ICE on the same connection, asked from either end', async () => {
    const a = createSimplePeerPipe({ initiator: true, iceServers: [], wrtc })
    const b = createSimplePeerPipe({ initiator: false, iceServers: [], wrtc })
    const offers: string[] = []
    const requests: unknown[] = []
    a.onSignal((data) => {
      const sdp = (data as { type?: string; sdp?: string }).sdp
      if ((data as { type?: string }).type === 'offer' && sdp) offers.push(iceUfrag(sdp))
      b.signal(data)
    })
    b.onSignal((data) => {
      if ((data as { renegotiate?: boolean }).renegotiate) requests.push(data)
      a.signal(data)
    })
    const pipes = await Promise.all([a.pipe, b.pipe])
    open.push(...pipes)
    const [pipeA, pipeB] = pipes
    expect(offers).toHaveLength(1)

    pipeB.restartPath?.() // the answering end asks; the initiator offers
    await waitFor(() => offers.length === 2, 'a restart offer after the answerer asked')
    expect(requests).toHaveLength(1)
    pipeA.restartPath?.()
    await waitFor(() => offers.length === 3, "a restart offer from the initiator's own call")
    expect(new Set(offers).size).toBe(3) // each offer carries fresh ICE credentials

    const toA = nextMessage(pipeA)
    pipeB.send(new Uint8Array([4, 2]))
    expect(await toA).toEqual(new Uint8Array([4, 2]))
    expect(pipeA.isOpen && pipeB.isOpen).toBe(true)
  })
})

function iceUfrag(sdp: string): string {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? ''
}

async function waitFor(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
