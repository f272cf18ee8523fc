/**
 * The relay under load, with the server in a process of its own (its RSS apart from the
 * clients'):
 * - `relay.rss_per_1k_clients_mb`: server RSS per 1,000 authenticated clients (each in a topic
 *   of ten), at the largest count reached.
 * - `relay.clients_held`: the most authenticated clients held (in steps) while the p99 latency
 *   of signals forwarded between sample pairs stays under 250 ms.
 * - `relay.slow_reader_growth_mb`: server RSS growth while a client that reads nothing is sent
 *   the most twenty senders may send it, for RELAY_BENCH_SLOW_MS (default 60 s).
 * Every client runs in this process on loopback, so on a small machine the clients' own CPU
 * cost limits the counts as much as the server does.
 */
import { growTo, leanClient, p99ForwardMs, type LeanClient } from './relay-load.ts'
import { startServerProcess, type ServerProcess } from '../tests/node/hostile/server-process.ts'
import type { BenchContext, Metric } from './harness.ts'

const MB = 1024 * 1024
// Each client is a socket of this process and of the server: mind the open-file limit.
const STEPS = [1000, 2500, 5000, 7500, 10_000, 12_500, 15_000, 17_500]
const P99_LIMIT_MS = 250
const SLOW_MS = Number(process.env.RELAY_BENCH_SLOW_MS ?? 60_000)
/** No further step starts after this long of ramping (RELAY_BENCH_RAMP_MS, default 10 min). */
const RAMP_MS = Number(process.env.RELAY_BENCH_RAMP_MS ?? 600_000)

async function held(ctx: BenchContext): Promise<Metric[]> {
  const limits = {
    maxConnectionsPerAddress: 100_000,
    maxPendingPerAddress: 100_000,
    maxPendingConnections: 100_000,
  }
  const server = await startServerProcess({ peerjs: false, limits })
  const clients: LeanClient[] = []
  try {
    const baseline = await server.rss()
    let rssPer1k = Number.NaN
    let best = 0
    const rampEnd = Date.now() + RAMP_MS
    for (const step of STEPS) {
      if (Date.now() > rampEnd) {
        ctx.log(`ramp time budget spent before ${step} clients`)
        break
      }
      const started = Date.now()
      try {
        await growTo(clients, server.relayUrl, step)
      } catch (error) {
        ctx.log(`could not reach ${step} clients: ${String(error)}`)
        break
      }
      const rss = await server.rss()
      rssPer1k = ((rss - baseline) / MB / step) * 1000
      const p99 = await p99ForwardMs(clients)
      ctx.log(
        `${step} clients (${((Date.now() - started) / 1000).toFixed(0)} s to add): ` +
          `p99 ${p99.toFixed(0)} ms, server RSS ${(rss / MB).toFixed(0)} MB`,
      )
      if (p99 >= P99_LIMIT_MS) break
      best = step
    }
    return [
      { name: 'relay.clients_held', value: best, unit: 'count', runs: 1 },
      { name: 'relay.rss_per_1k_clients_mb', value: round(rssPer1k), unit: 'MB', runs: 1 },
    ]
  } finally {
    for (const client of clients) client.socket.terminate()
    await server.close()
  }
}

async function slowReader(ctx: BenchContext): Promise<Metric> {
  const server: ServerProcess = await startServerProcess({ peerjs: false })
  const clients: LeanClient[] = []
  try {
    for (let i = 0; i < 21; i++) clients.push(await leanClient(server.relayUrl, 'slow'))
    const [reader, ...senders] = clients
    reader!.socket.pause()
    const frame = JSON.stringify({ type: 'signal', to: reader!.peerId, data: 'x'.repeat(50_000) })
    const baseline = await server.rss()
    let peak = baseline
    // Each sender at its rate limit (20 frames/s): about 20 MB/s offered in all.
    const timer = setInterval(() => {
      for (const sender of senders) sender.socket.send(frame)
    }, 55)
    const end = Date.now() + SLOW_MS
    while (Date.now() < end) {
      peak = Math.max(peak, await server.rss())
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    clearInterval(timer)
    const growth = (peak - baseline) / MB
    ctx.log(`slow reader: ${(SLOW_MS / 1000).toFixed(0)} s, server RSS +${growth.toFixed(1)} MB`)
    return { name: 'relay.slow_reader_growth_mb', value: round(growth), unit: 'MB', runs: 1 }
  } finally {
    for (const client of clients) client.socket.terminate()
    await server.close()
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const slow = await slowReader(ctx)
  return [...(await held(ctx)), slow]
}
