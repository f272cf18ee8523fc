/**
 * The relay as a cluster: RELAY_CLUSTER_INSTANCES (default 3) instances, each in a process of
 * its own, sharing one redis-server on loopback; clients are spread over them in turn, so the
 * ten members of a topic sit on different instances and every probe signal crosses Redis.
 * - `relay.cluster_clients_held`: the most authenticated clients held (in steps) while the p99
 *   latency of signals between topic-mates stays under 250 ms.
 * Steps: RELAY_CLUSTER_STEPS (comma-separated, default
 * 1000,2500,5000,10000,15000,20000,25000,30000); ramping stops after RELAY_BENCH_RAMP_MS
 * (default 10 min). The clients run in client host
 * processes (bench/relay-client-fleet.ts), at most MAX_CLIENTS_PER_HOST each, whole topics per
 * host: one process holding them all would run out of open files (a descriptor per client)
 * long before the relays, which hold only their share. A step that fails says whether a limit
 * of the client hosts (EMFILE and the like) or the relays stopped it. On a small machine the
 * clients' CPU cost still limits the count as much as the relays do. RELAY_CLUSTER_CLIENT_HOSTS
 * asks for more client processes than the largest step needs.
 */
import { loadavg } from 'node:os'
import { ensureRedisServer, startRedisServer } from '../tests/support/redis-server.ts'
import { startServerProcess, type ServerProcess } from '../tests/node/hostile/server-process.ts'
import type { BenchContext, Metric } from './harness.ts'
import {
  FleetError,
  MAX_CLIENTS_PER_HOST,
  startClientFleet,
  type ClientFleet,
} from './relay-client-fleet.ts'

const P99_LIMIT_MS = 250
const INSTANCES = Number(process.env.RELAY_CLUSTER_INSTANCES ?? 3)
const STEPS = (process.env.RELAY_CLUSTER_STEPS ?? '1000,2500,5000,10000,15000,20000,25000,30000')
  .split(',')
  .map(Number)
const RAMP_MS = Number(process.env.RELAY_BENCH_RAMP_MS ?? 600_000)
/** Client host processes: enough for the largest step, or RELAY_CLUSTER_CLIENT_HOSTS. */
const CLIENT_HOSTS = Math.max(
  Math.ceil(Math.max(...STEPS) / MAX_CLIENTS_PER_HOST),
  Number(process.env.RELAY_CLUSTER_CLIENT_HOSTS ?? 1),
)

const CAUSES: Record<FleetError['side'], string> = {
  'client-limit': 'a limit of the client hosts, not the relays',
  relay: 'the relays refused, closed or dropped clients',
  timeout: 'no answer in time (relays or client hosts too slow)',
  host: 'a client host failed',
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const binary = ensureRedisServer()
  if (!binary) throw new Error('relay.cluster_clients_held needs redis-server')
  const redis = await startRedisServer(binary)
  const limits = {
    maxConnectionsPerAddress: 100_000,
    maxPendingPerAddress: 100_000,
    maxPendingConnections: 100_000,
  }
  const servers: ServerProcess[] = []
  let fleet: ClientFleet | undefined
  try {
    for (let i = 0; i < INSTANCES; i++) {
      servers.push(await startServerProcess({ peerjs: false, limits, redisUrl: redis.url }))
    }
    fleet = await startClientFleet(CLIENT_HOSTS)
    ctx.log(
      `${CLIENT_HOSTS} client processes (at most ${MAX_CLIENTS_PER_HOST} clients each), ` +
        `${INSTANCES} relay instances`,
    )
    const relayOf = (index: number): string => servers[index % servers.length]!.relayUrl
    let best = 0
    const rampEnd = Date.now() + RAMP_MS
    for (const step of STEPS) {
      if (Date.now() > rampEnd) {
        ctx.log(`ramp time budget spent before ${step} clients`)
        break
      }
      const started = Date.now()
      try {
        await fleet.growTo(step, relayOf)
      } catch (error) {
        const cause =
          error instanceof FleetError ? `${CAUSES[error.side]}: ${error.message}` : String(error)
        ctx.log(`could not reach ${step} clients (${fleet.held} held): ${cause}`)
        break
      }
      const rss = await Promise.all(servers.map((server) => server.rss()))
      const p99 = await fleet.p99ForwardMs()
      ctx.log(
        `${step} clients on ${INSTANCES} instances from ${CLIENT_HOSTS} client processes ` +
          `(${((Date.now() - started) / 1000).toFixed(0)} s to add): p99 ${p99.toFixed(0)} ms, ` +
          `server RSS ${rss.map((bytes) => (bytes / 1024 / 1024).toFixed(0)).join('/')} MB, ` +
          `load ${loadavg()[0]!.toFixed(1)}`,
      )
      if (p99 >= P99_LIMIT_MS) break
      best = step
    }
    return [{ name: 'relay.cluster_clients_held', value: best, unit: 'count', runs: 1 }]
  } finally {
    await fleet?.close()
    await Promise.all(servers.map((server) => server.close()))
    await redis.dispose()
  }
}
