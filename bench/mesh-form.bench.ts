/**
 * `mesh.form_ms`: 16 devices of the project's own stack (the mesh, authenticated links and
 * WebRTC through @roamhq/wrtc, signalled over a fresh relay on loopback), each in its own Node
 * process (bench/mesh-form-device.ts), start at once in one workplace group; from the start to
 * every device linked to every neighbour the topology gives it. Median of 3 runs.
 * `mesh.form_rate_limit_errors` counts the relay's "rate-limited" and "too-many-violations"
 * errors over all runs (the goal is no forced disconnect: a crowd coming online must not trip
 * the relay's flood limits). `mesh.form_links_max_16` is the most links any device held once
 * formed, `mesh.form_links_max_settled_16` the most 5 s later. A run in which a device's
 * process dies (@roamhq/wrtc segfaults now and then) does not count and is repeated (at most 3
 * times); `mesh.form_device_crashes` says how many were. `PEERPLACE_MESH_DEVICES=<n>` runs
 * another count (the names then end in `_<n>`).
 *
 * One process per device, as a browser runs each page's WebRTC in its own renderer: in one
 * process, @roamhq/wrtc's shared network manager makes every connection still gathering
 * gather its TCP candidates again whenever another one starts (10 connections started 30 ms
 * apart gathered 8-16 TCP candidates each instead of 4), and 16 devices starting at once in
 * one process ran out of file descriptors (20,000) within two seconds.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '../signaling/config.ts'
import { createSignalingServer } from '../signaling/server.ts'
import type { PeerId } from '../src/peer/ids.ts'
import { median, type BenchContext, type Metric } from './harness.ts'
import type { FromDevice, ToDevice } from './mesh-form-device.ts'

const DEVICES = Number(process.env.PEERPLACE_MESH_DEVICES ?? 16)
const SUFFIX = DEVICES === 16 ? '' : `_${DEVICES}`
const RUNS = 3
/** Runs spoilt by a device process that crashed are repeated, up to this many. */
const MAX_REPEATS = 3
const READY_DEADLINE_MS = 120_000
const FORM_DEADLINE_MS = 120_000
const SETTLE_MS = 5000
const DEVICE_FILE = fileURLToPath(new URL('./mesh-form-device.ts', import.meta.url))

/** A device process died (not told to stop): @roamhq/wrtc crashes now and then (SIGSEGV). */
class DeviceCrash extends Error {}

interface Device {
  child: ChildProcess
  id: PeerId
  crashed?: string
  state: { formed: boolean; links: number; limited: number }
}

/** Starts one device process; resolves once it says its peer ID. */
function startDevice(): Promise<Device> {
  const child = fork(DEVICE_FILE, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' })
  // A device that died is reported by the wait it spoils; a send to it must not end the bench.
  child.on('error', (error) => console.error(`[mesh-form] device process: ${error.message}`))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`a device process did not start within ${READY_DEADLINE_MS} ms`))
    }, READY_DEADLINE_MS)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`a device process exited (${code ?? signal}) before it was ready`))
    })
    child.once('message', (message: FromDevice) => {
      clearTimeout(timer)
      if (message.type !== 'ready') return reject(new Error('a device spoke before ready'))
      const device: Device = {
        child,
        id: message.id,
        state: { formed: false, links: 0, limited: 0 },
      }
      child.on('message', (m: FromDevice) => {
        if (m.type === 'state') device.state = m
      })
      child.on('exit', (code, signal) => {
        if (!stopping.has(child)) device.crashed = String(code ?? signal)
      })
      resolve(device)
    })
  })
}

/** Device processes told to stop (their exit is expected). */
const stopping = new WeakSet<ChildProcess>()

const tell = (device: Device, message: ToDevice) => {
  if (device.child.connected) device.child.send(message)
}

async function formOnce(log: (m: string) => void) {
  const starting = Array.from({ length: DEVICES }, startDevice)
  const settled = await Promise.allSettled(starting)
  const devices = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed) {
    for (const device of devices) device.child.kill()
    throw (failed as PromiseRejectedResult).reason
  }
  const server = await createSignalingServer({ port: 0, peerjs: false, logger: silentLogger })
  const ids = devices.map((d) => d.id)
  try {
    const started = performance.now()
    for (const device of devices) tell(device, { type: 'start', url: server.relayUrl, ids })
    while (!devices.every((d) => d.state.formed)) {
      const crashed = devices.find((d) => d.crashed)
      if (crashed) throw new DeviceCrash(`a device process died (${crashed.crashed})`)
      if (performance.now() - started > FORM_DEADLINE_MS) {
        const missing = devices.filter((d) => !d.state.formed).length
        const linked = devices.map((d) => d.state.links).join(',')
        throw new Error(
          `${missing} of ${DEVICES} devices still lack links after 120 s (links ${linked})`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const ms = performance.now() - started
    const limited = devices.reduce((sum, d) => sum + d.state.limited, 0)
    const linksMax = Math.max(...devices.map((d) => d.state.links))
    // Links made to members a device wanted while few were around yet are dropped once the
    // rest arrive; what remains a few seconds later is the topology's bound.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    const crashed = devices.find((d) => d.crashed)
    if (crashed) throw new DeviceCrash(`a device process died (${crashed.crashed})`)
    const settledMax = Math.max(...devices.map((d) => d.state.links))
    log(
      `formed in ${ms.toFixed(0)} ms; links max ${linksMax} then, ${settledMax} ` +
        `${SETTLE_MS / 1000} s later; relay limit errors ${limited}`,
    )
    return { ms, limited, linksMax, settledMax }
  } finally {
    await Promise.all(
      devices.map(
        (device) =>
          new Promise<void>((resolve) => {
            if (device.child.exitCode !== null) return resolve()
            const timer = setTimeout(() => {
              device.child.kill('SIGKILL')
              resolve()
            }, 5000)
            device.child.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            stopping.add(device.child)
            tell(device, { type: 'stop' })
          }),
      ),
    )
    await server.close()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const runs = []
  ctx.log(`${DEVICES} devices, one Node process each`)
  let crashes = 0
  while (runs.length < RUNS) {
    try {
      runs.push(await formOnce(ctx.log))
    } catch (error) {
      if (!(error instanceof DeviceCrash) || crashes >= MAX_REPEATS) throw error
      crashes++
      ctx.log(`${error.message}: this run does not count and is repeated`)
    }
  }
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
    {
      name: `mesh.form_device_crashes${SUFFIX}`,
      value: crashes,
      unit: 'count',
      runs: RUNS + crashes,
    },
    {
      name: `mesh.form_links_max_settled_${DEVICES}`,
      value: Math.max(...runs.map((r) => r.settledMax)),
      unit: 'count',
      runs: RUNS,
    },
  ]
}
