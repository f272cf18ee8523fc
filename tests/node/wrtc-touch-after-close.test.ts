import { describe, expect, it } from 'vitest'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { tracedWrtc } from '../support/wrtc-tracer.ts'
import { connectWrtcPipes } from '../support/wrtc-pipes.ts'

const chunk = new Uint8Array(16 * 1024)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Uses pipes the way the link layer above may, whether they are still open or not: sends while
 * there is room, reads bufferedAmount, maxMessageSize and stats, asks for path restarts.
 */
function pump(pipes: DataPipe[]): () => void {
  let running = true
  void (async () => {
    for (let n = 0; running; n++) {
      for (const pipe of pipes) {
        if (pipe.bufferedAmount < 1024 * 1024 && pipe.isOpen) pipe.send(chunk)
        if (n % 20 === 0) void pipe.stats()
        void pipe.maxMessageSize
        if (n % 40 === 0) pipe.restartPath?.()
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  return () => void (running = false)
}

type Closing = (pipes: DataPipe[], sides: DataPipe[], destroy: (i: 0 | 1) => void) => void

const ways: [string, Closing][] = [
  ['one end cancels its connection', (_p, _s, destroy) => destroy(0)],
  ['one end closes its main pipe', (pipes) => pipes[0]?.close('test')],
  [
    'one end closes a side pipe, the other its main pipe',
    (pipes, sides) => {
      sides[0]?.close('test')
      pipes[1]?.close('test')
    },
  ],
  ['both ends cancel at once', (_p, _s, destroy) => (destroy(0), destroy(1))],
]

describe('simple-peer pipes over @roamhq/wrtc touch no native object after it closed', () => {
  // wrtc frees a channel on its own thread when it closes: a send racing with that crashed
  // the process (SIGSEGV in RTCDataChannel::Send). The closing end says FIN first.
  it('warns the far end, which stops sending, before the channel and connection close', async () => {
    const traced = tracedWrtc()
    const { pipes, pending } = await connectWrtcPipes({ wrtc: traced.wrtc })
    const sides = await Promise.all(pipes.map((pipe) => pipe.openSideChannel('bulk')))
    const reasons: string[] = []
    for (const pipe of [pipes[1], sides[1]]) {
      pipe?.on('close', ({ reason }) => reasons.push(reason))
    }
    pending[0]?.destroy('test')
    const deadline = Date.now() + 5000
    while (reasons.length < 2 && Date.now() < deadline) await sleep(10)
    expect(reasons).toEqual(['the peer closed the channel', 'the peer closed the channel'])
    for (const p of pending) p.destroy('test over')
    await sleep(600)
    expect([...new Set(traced.touches)]).toEqual([])
  })

  it.each(ways)('%s, with traffic on both ends', async (_name, close) => {
    const traced = tracedWrtc()
    for (let round = 0; round < 3; round++) {
      const { pipes, pending } = await connectWrtcPipes({ wrtc: traced.wrtc })
      const sides = await Promise.all(pipes.map((pipe) => pipe.openSideChannel('bulk')))
      const stop = pump([...pipes, ...sides])
      await sleep(20)
      close(pipes, sides, (i) => pending[i]?.destroy('test'))
      // The far end learns of it by its channels closing; both keep using their pipes.
      const deadline = Date.now() + 5000
      while (pipes.some((pipe) => pipe.isOpen) && Date.now() < deadline) await sleep(20)
      await sleep(100)
      for (const pipe of [...sides, ...pipes]) pipe.close('round over')
      for (const p of pending) p.destroy('round over')
      await sleep(50)
      stop()
      expect(
        pipes.map((pipe) => pipe.isOpen),
        'both ends saw the close',
      ).toEqual([false, false])
    }
    expect([...new Set(traced.touches)]).toEqual([])
  })
})
