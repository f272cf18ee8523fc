/**
 * Big workplaces. With 50 members, each a device of the project's own stack (the mesh,
 * authenticated links and presence) over in-memory pipes, once all are linked and online:
 * `mesh.links_max_50` (most links any member holds), `mesh.presence_frames_per_peer_s_50`
 * (presence frames sent plus received per second by the busiest member, at rest) and
 * `mesh.broadcast_dup_ratio_50` (frames on the wire per delivered copy of a group broadcast).
 * `mesh.sync_report_frames_per_peer_s_50`: then each member's sync status (WorkplaceSync) on its
 * mesh port, every member's documents moving on every 40 ms for 10 s (a busy chat), and the
 * busiest member's heads-report frames sent plus received a second (bench/busy-sync-reports.ts).
 *
 * `mesh.presence_frames_per_peer_s_500`: a simulation of 500 members' presence (the real
 * presence code on a simulated clock, links as the topology lays them, 5 ms per message, no
 * WebRTC or authentication): all members come online at once, then the busiest member's frames per
 * second are measured over 10 s at rest, and `..._500_churn` over 5 s in which one member
 * crashes and another arrives every second. `mesh.presence_offline_ms_500` is the simulated
 * time until every member calls a crashed one offline once its neighbours' links dropped.
 */
import type { PeerId } from '../src/peer/ids.ts'
import { createLink } from '../src/peer/link/authenticated-link.ts'
import { PRESENCE_CHANNEL } from '../src/peer/mesh/mesh-protocol.ts'
import { FrameCounter } from '../tests/support/frame-counter.ts'
import { createMeshNetwork, GROUP, waitFor } from '../tests/support/fake-mesh-network.ts'
import { SimPresenceNetwork, simPeerId } from '../tests/support/sim-presence-network.ts'
import type { BenchContext, Metric } from './harness.ts'
import { busySyncReports } from './busy-sync-reports.ts'

const SETTLE_MS = 3000
/**
 * A whole number of presence digest intervals (2 s): over 5 s each member sent two or three
 * rounds of digests and heard two or three from each neighbour, depending only on the timers'
 * phases, so the same traffic read 6.4 or 9.6 frames/s.
 */
const REST_MS = 6000
const BROADCASTS = 10
const CHURN_S = 5

async function fifty(log: (m: string) => void): Promise<Metric[]> {
  const members = 50
  const counter = new FrameCounter()
  const net = await createMeshNetwork(members, {
    presence: {},
    logs: [],
    createLink: counter.wrap((args) => createLink({ ...args, options: { log: () => {} } })),
  })
  try {
    const started = performance.now()
    await waitFor(
      'all 50 linked and online',
      () =>
        net.peers.every(
          (p) =>
            p.mesh.neighbours().every((n) => p.mesh.linkTo(n)) &&
            p.presence!.online(GROUP).length === members,
        ),
      120_000,
    )
    const links = net.peers.map((p) => p.mesh.linkedPeers().length)
    log(`50 members linked and online in ${Math.round(performance.now() - started)} ms`)
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    counter.reset()
    const restStart = performance.now()
    await new Promise((resolve) => setTimeout(resolve, REST_MS))
    const seconds = (performance.now() - restStart) / 1000
    const presence = [...counter.perPeer(PRESENCE_CHANNEL).values()].map((n) => n / seconds)
    const mean = presence.reduce((a, b) => a + b, 0) / presence.length
    log(
      `presence frames per peer per s: max ${Math.max(...presence).toFixed(1)}, mean ${mean.toFixed(1)}`,
    )

    let delivered = 0
    for (const peer of net.peers) peer.mesh.onMessage('bench.news', () => delivered++)
    for (let i = 0; i < BROADCASTS; i++) {
      const sender = net.peers[(i * 7) % members]!
      sender.mesh.broadcast(GROUP, 'bench.news', new Uint8Array(64))
    }
    const expected = BROADCASTS * (members - 1)
    await waitFor('broadcasts delivered', () => delivered >= expected, 30_000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const ratio = counter.total('bench.news') / delivered
    log(
      `links per member: max ${Math.max(...links)}, mean ${(links.reduce((a, b) => a + b, 0) / members).toFixed(1)}`,
    )
    log(`broadcast: ${counter.total('bench.news')} frames for ${delivered} copies delivered`)
    const reports = await busySyncReports(net.peers, counter)
    log(
      `a busy chat: heads-report frames per peer per s: max ${reports.max.toFixed(1)}, ` +
        `mean ${reports.mean.toFixed(1)}`,
    )
    return [
      { name: 'mesh.links_max_50', value: Math.max(...links), unit: 'count', runs: 1 },
      {
        name: 'mesh.presence_frames_per_peer_s_50',
        value: round(Math.max(...presence)),
        unit: 'count',
        runs: 1,
      },
      { name: 'mesh.broadcast_dup_ratio_50', value: round(ratio), unit: 'ratio', runs: 1 },
      {
        name: 'mesh.sync_report_frames_per_peer_s_50',
        value: round(reports.max),
        unit: 'count',
        runs: 1,
      },
    ]
  } finally {
    net.close()
  }
}

function fiveHundred(log: (m: string) => void): Metric[] {
  const members = 500
  const ids = Array.from({ length: members + 10 }, (_, i) => simPeerId(i))
  const sim = new SimPresenceNetwork(ids)
  const clock = sim.clock
  const started = performance.now()
  // All 500 come online at once; the 10 extra ones arrive during churn.
  const live: PeerId[] = ids.slice(0, members)
  sim.applyTopology(live)
  clock.advance(10_000)
  const agreed = live.every((id) => sim.online(id).length === members)
  if (!agreed) throw new Error('the 500 simulated members do not agree on who is online')
  log(`500 simulated members formed (wall ${Math.round(performance.now() - started)} ms)`)
  const busiest = (seconds: number) => {
    const rates = [...sim.frames.values()].map((n) => n / seconds)
    return { max: Math.max(...rates), mean: rates.reduce((a, b) => a + b, 0) / live.length }
  }
  sim.resetCounts()
  clock.advance(10_000)
  const rest = busiest(10)
  log(
    `at rest: presence frames per peer per s max ${rest.max.toFixed(1)}, mean ${rest.mean.toFixed(1)}`,
  )

  const crashed = live[123]!
  sim.crash(crashed)
  live.splice(live.indexOf(crashed), 1)
  const crashAt = clock.now()
  while (live.some((id) => sim.online(id).includes(crashed))) clock.advance(5)
  const offlineMs = clock.now() - crashAt
  log(`a crash agreed by all in ${offlineMs} ms of simulated time (5 ms per message)`)
  sim.applyTopology(live)
  clock.advance(2000)

  sim.resetCounts()
  // Each second one member crashes and one of the 10 not yet linked arrives.
  for (let second = 0; second < CHURN_S; second++) {
    const gone = live[(second * 37) % live.length]!
    sim.crash(gone)
    live.splice(live.indexOf(gone), 1)
    live.push(ids[members + second]!)
    sim.applyTopology(live)
    clock.advance(1000)
  }
  const churn = busiest(CHURN_S)
  log(`with a crash every second: max ${churn.max.toFixed(1)}, mean ${churn.mean.toFixed(1)}`)
  return [
    { name: 'mesh.presence_frames_per_peer_s_500', value: round(rest.max), unit: 'count', runs: 1 },
    {
      name: 'mesh.presence_frames_per_peer_s_500_churn',
      value: round(churn.max),
      unit: 'count',
      runs: 1,
    },
    { name: 'mesh.presence_offline_ms_500', value: offlineMs, unit: 'ms', runs: 1 },
  ]
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  ctx.log('50 members: the real mesh stack over in-memory pipes')
  const metrics = await fifty(ctx.log)
  ctx.log('500 members: presence simulation (simulated links and clock)')
  return [...metrics, ...fiveHundred(ctx.log)]
}
