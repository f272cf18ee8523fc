/**
 * File transfer through TURN: two browser contexts in relay-only mode whose only path is a
 * coturn started here on loopback (TURN REST secret, credentials made as the server makes them),
 * driven through the test page tests/harness/files-page.ts like files.bench.ts.
 * - `file.throughput_ratio_turn`: app MB/s moving a 64 MiB file (download start to last chunk
 *   stored, SHA-256 checked) over a bare RTCDataChannel through the same TURN server moving as
 *   many bytes, measured in the same run. Goal >= 0.9.
 * - `file.throughput_turn_mbps`: the app's MB/s through TURN.
 * Both paths are checked to run through TURN (local candidate type 'relay').
 */
import { turnCredentials } from '../signaling/turn-credentials.ts'
import { linkAll, openFilesDevice, startFilesPage } from '../tests/e2e/support/files-devices.ts'
import type { FilesDevice } from '../tests/e2e/support/files-devices.ts'
import { startCoturn } from '../tests/support/coturn.ts'
import { appRun, rawRun } from './files.bench.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const MB = 1024 * 1024
const BYTES = 64 * MB
/** Paired runs (raw, then app); one pair varies by ±40 % here, so the median takes several. */
const RUNS = Number(process.env.PEERPLACE_TURN_RUNS ?? 5)
const SECRET = 'bench-files-turn-secret'

/** Throws unless the app's link from `a` to `b` runs through TURN. */
async function expectRelayed(a: FilesDevice, b: FilesDevice): Promise<void> {
  const type = await a.page.evaluate((peer) => window.filesDriver.linkCandidateType(peer), b.peer)
  if (type !== 'relay') throw new Error(`the app's link is not relayed through TURN: ${type}`)
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const coturn = await startCoturn(SECRET)
  const bench = await startFilesPage()
  const browser = await ctx.browser()
  const opened: FilesDevice[] = []
  try {
    const rtc = (name: string) => {
      const { username, credential } = turnCredentials(SECRET, name, 3600)
      return {
        iceServers: [{ urls: [coturn.url], username, credential }],
        iceTransportPolicy: 'relay' as const,
      }
    }
    const a = await openFilesDevice(browser, bench, undefined, undefined, rtc('a'))
    const b = await openFilesDevice(browser, bench, undefined, undefined, rtc('b'))
    opened.push(a, b)
    await linkAll([a, b])
    await expectRelayed(a, b)
    const raw: number[] = []
    const app: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const baseline = await rawRun(a, b, BYTES)
      if (baseline.candidateType !== 'relay') {
        throw new Error(`the raw channel is not relayed through TURN: ${baseline.candidateType}`)
      }
      raw.push(baseline.mbps)
      app.push(await appRun(a, b, i + 1, BYTES))
      ctx.log(`run ${i + 1}: raw ${raw[i]!.toFixed(1)} MB/s, app ${app[i]!.toFixed(1)} MB/s`)
    }
    await expectRelayed(a, b)
    const ratios = raw.map((r, i) => app[i]! / r)
    ctx.log(`ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}`)
    return [
      { name: 'file.throughput_turn_mbps', value: round(median(app)), unit: 'MB/s', runs: RUNS },
      {
        name: 'file.throughput_ratio_turn',
        value: round(median(ratios)),
        unit: 'ratio',
        runs: RUNS,
      },
    ]
  } finally {
    for (const d of opened) await d.context.close()
    await bench.close()
    await coturn.stop()
  }
}

const round = (value: number) => Math.round(value * 100) / 100
