import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ClientPool, MB, stillServing, sustain } from './hostile/relay-clients.ts'
import { startServerProcess, type ServerProcess } from './hostile/server-process.ts'

// The server runs in a process of its own, so its RSS is not mixed with the clients'. One
// process serves the file's tests (each in its own topics): it takes seconds to start.
let server: ServerProcess
let pool: ClientPool

beforeAll(async () => {
  // Every client comes from loopback: lift the per-address caps that would otherwise apply.
  const limits = { maxConnectionsPerAddress: 10_000, maxPendingPerAddress: 10_000 }
  server = await startServerProcess({ peerjs: false, limits })
  pool = new ClientPool(server.relayUrl)
})
afterEach(() => pool.closeAll())
afterAll(() => server.close())

const SLOW = 45_000

describe('relay memory under hostile clients', () => {
  it(
    'keeps a client that never reads to its budget while twenty senders push at it',
    async () => {
      const [reader, ...senders] = await pool.joined('slow', 21)
      reader!.socket.pause() // reads nothing more from here on
      const frame = (to: string) => JSON.stringify({ type: 'signal', to, data: 'x'.repeat(50_000) })
      const text = frame(reader!.peerId)
      const baseline = await server.rss()
      // Each sender stays inside its own rate limit (20 frames/s): about 20 MB/s in all.
      const peak = await sustain(
        3000,
        60,
        () => {
          for (const sender of senders) sender.send(text)
        },
        () => server.rss(),
      )
      const growth = (peak - baseline) / MB
      expect(growth, `relay RSS grew ${growth.toFixed(1)} MB`).toBeLessThan(48)
      const busy = senders.flatMap((s) => s.received).filter((m) => m.type === 'error')
      expect(busy.length).toBeGreaterThan(0)
      expect(new Set(busy.map((m) => m.type === 'error' && m.code))).toEqual(new Set(['busy']))
      await stillServing(pool, server.url)
    },
    SLOW,
  )

  it(
    'throttles a repeated join of a big topic and drops the stormers',
    async () => {
      await pool.joined('big', 150)
      const stormers = await pool.joined('big', 5)
      for (const stormer of stormers) stormer.socket.pause()
      const join = JSON.stringify({ type: 'join', topic: 'big' })
      const baseline = await server.rss()
      const peak = await sustain(
        3000,
        50,
        () => {
          for (const stormer of stormers) if (!stormer.closed) stormer.send(join)
        },
        () => server.rss(),
      )
      const growth = (peak - baseline) / MB
      expect(growth, `relay RSS grew ${growth.toFixed(1)} MB`).toBeLessThan(32)
      for (const stormer of stormers) stormer.socket.resume()
      for (const stormer of stormers) {
        expect(await stormer.waitClosed()).toMatchObject({ code: 1008 })
        const codes = stormer.received.flatMap((m) => (m.type === 'error' ? [m.code] : []))
        expect(codes).toContain('rate-limited')
        // The first join and a burst of three repeats are answered; the rest are refused.
        expect(stormer.received.filter((m) => m.type === 'peers').length).toBeLessThanOrEqual(3)
      }
      await stillServing(pool, server.url)
    },
    SLOW,
  )
})
