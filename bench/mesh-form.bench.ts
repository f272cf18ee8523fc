/**
 * `mesh.form_ms`: 16 devices of the project's own stack in Node (the mesh, authenticated links
 * and WebRTC through @roamhq/wrtc, signalled over a fresh relay on loopback) start at once in
 * one workplace group; from the start to every device linked to every neighbour the topology
 * gives it. Median of 3 runs. `mesh.form_rate_limit_errors` counts the relay's "rate-limited"
 * and "too-many-violations" errors over all runs (the goal is no forced disconnect: a crowd
 * coming online must not trip the relay's flood limits). `mesh.form_links_max_16` is the most
 * links any device held once formed. `PEERPLACE_MESH_DEVICES=<n>` runs another count (the
 * names then end in `_<n>`).
 */
import wrtc from '@roamhq/wrtc'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { WebSocket } from 'ws'
import { silentLogger } from '../signaling/config.ts'
import { createSignalingServer } from '../signaling/server.ts'
import type { Identity } from '../src/peer/identity/identity.ts'
import { asTopic, type PeerId } from '../src/peer/ids.ts'
import { createLink } from '../src/peer/link/authenticated-link.ts'
import { createMesh, type Mesh } from '../src/peer/mesh/mesh.ts'
import { createCarrierSignaling } from '../src/peer/signaling/carrier-signaling.ts'
import { createRelayCarrier, type RelayCarrier } from '../src/peer/signaling/relay-carrier.ts'
import { createTestIdentity } from '../tests/support/test-identity.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const DEVICES = Number(process.env.PEERPLACE_MESH_DEVICES ?? 16)
const SUFFIX = DEVICES === 16 ? '' : `_${DEVICES}`
const RUNS = 3
const FORM_DEADLINE_MS = 120_000
const GROUP = 'bench-group'
const TOPIC = asTopic('bench-mesh-form')
const quiet = () => {}
/**
 * A closed @roamhq/wrtc connection keeps its sockets (about 50) until it is garbage collected,
 * so 16 devices' failed and replaced dials run out of file descriptors unless the bench
 * collects now and then. Browsers free them on close; this is the Node binding's doing.
 */
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

interface Device {
  relay: RelayCarrier
  mesh: Mesh
}

function startDevice(identity: Identity, url: string, group: readonly PeerId[], errors: string[]) {
  const relay = createRelayCarrier({ url, identity, WebSocket })
  relay.on('error', ({ message }) => errors.push(message))
  const options = { self: identity.peerId, iceServers: [], wrtc, log: quiet }
  const mesh = createMesh({
    identity,
    signaling: createCarrierSignaling(relay, options),
    createLink: (args) => createLink({ ...args, options: { log: quiet } }),
    createMeshSignaling: (carrier) => createCarrierSignaling(carrier, options),
    options: { log: quiet },
  })
  mesh.join(TOPIC)
  mesh.setGroup(GROUP, group)
  return { relay, mesh }
}

const formed = (devices: readonly Device[]) =>
  devices.every(({ mesh }) => mesh.neighbours().every((peer) => mesh.linkTo(peer)))

async function formOnce(log: (m: string) => void) {
  const server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
  const identities = await Promise.all(Array.from({ length: DEVICES }, createTestIdentity))
  const ids = identities.map((identity) => identity.peerId)
  const errors: string[] = []
  const started = performance.now()
  const devices = identities.map((identity) => startDevice(identity, server.relayUrl, ids, errors))
  const collector = setInterval(collectGarbage, 2000)
  try {
    while (!formed(devices)) {
      if (performance.now() - started > FORM_DEADLINE_MS) {
        const missing = devices.filter(({ mesh }) =>
          mesh.neighbours().some((peer) => !mesh.linkTo(peer)),
        ).length
        const linked = devices.map(({ mesh }) => mesh.linkedPeers().length).join(',')
        throw new Error(
          `${missing} of ${DEVICES} devices still lack links after 120 s (links ${linked}; ` +
            `relay states ${devices.map(({ relay }) => relay.state).join(',')}; errors ${errors.slice(0, 3).join(' | ')})`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const ms = performance.now() - started
    const limited = errors.filter((m) => /rate-limited|too many|violations/i.test(m)).length
    const linksMax = Math.max(...devices.map(({ mesh }) => mesh.linkedPeers().length))
    log(`formed in ${ms.toFixed(0)} ms; links max ${linksMax}; relay limit errors ${limited}`)
    return { ms, limited, linksMax }
  } finally {
    clearInterval(collector)
    for (const { mesh, relay } of devices) {
      mesh.close()
      relay.close()
    }
    await server.close()
    collectGarbage()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const runs = []
  for (let i = 0; i < RUNS; i++) runs.push(await formOnce(ctx.log))
  return [
    {
      name: `mesh.form_ms${SUFFIX}`,
      value: Math.round(median(runs.map((r) => r.ms))),
      unit: 'ms',
      runs: RUNS,
    },
    {
      name: `mesh.form_rate_limit_errors${SUFFIX}`,
      value: runs.reduce((sum, r) => sum + r.limited, 0),
      unit: 'count',
      runs: RUNS,
    },
    {
      name: `mesh.form_links_max_${DEVICES}`,
      value: Math.max(...runs.map((r) => r.linksMax)),
      unit: 'count',
      runs: RUNS,
    },
  ]
}
