/**
 * File transfer between two browser contexts over real WebRTC, chunks verified and stored in
 * IndexedDB, driven through the test page tests/harness/files-page.ts (served by Vite from source,
 * with its own relay).
 * - `file.throughput_mbps`: MB/s (MiB per second) of the app moving a 128 MiB file, from the
 *   download's start to its last chunk stored.
 * - `file.throughput_ratio`: that over a bare RTCDataChannel between two contexts moving as
 *   many bytes (64 KiB messages, 8 MiB buffered at most), measured in the same run.
 * - `file.receiver_heap_mb`: the receiver's peak JS heap (CDP Performance metrics, sampled
 *   every 100 ms) while it receives a 256 MiB file.
 */
import type { Browser, CDPSession } from 'playwright-core'
import {
  linkAll,
  openFilesDevice,
  startFilesPage,
  type FilesBench,
  type FilesDevice,
} from '../tests/e2e/support/files-devices.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const MB = 1024 * 1024
const THROUGHPUT_BYTES = 128 * MB
const HEAP_BYTES = 256 * MB
const RUNS = 3

async function poll<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean) {
  const deadline = Date.now() + 300_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Raw data channel MB/s from the receiver's first to last byte, and the sender's local
 * candidate type ('relay' through TURN).
 */
export async function rawRun(
  a: FilesDevice,
  b: FilesDevice,
  bytes = THROUGHPUT_BYTES,
): Promise<{ mbps: number; candidateType: string | null }> {
  const offer = await a.page.evaluate(() => window.filesDriver.raw.offer())
  const answer = await b.page.evaluate((sdp) => window.filesDriver.raw.answer(sdp), offer)
  await a.page.evaluate((sdp) => window.filesDriver.raw.accept(sdp), answer)
  await a.page.evaluate((total) => window.filesDriver.raw.send(total), bytes)
  const got = await poll(
    'raw bytes',
    () => b.page.evaluate(() => window.filesDriver.raw.received()),
    (r) => r.bytes >= bytes,
  )
  const candidateType = await a.page.evaluate(() => window.filesDriver.raw.candidateType())
  await Promise.all([a, b].map((d) => d.page.evaluate(() => window.filesDriver.raw.close())))
  return { mbps: bytes / MB / ((got.lastAt - got.firstAt) / 1000), candidateType }
}

/** App MB/s: `a` adds a fresh file, `b` downloads it; checks the stored bytes' SHA-256. */
export async function appRun(
  a: FilesDevice,
  b: FilesDevice,
  seed: number,
  bytes = THROUGHPUT_BYTES,
): Promise<number> {
  const file = await a.page.evaluate(([size, s]) => window.filesDriver.generate(size, s), [
    bytes,
    seed,
  ] as const)
  await b.page.evaluate(([id, peer]) => window.filesDriver.download(id, [peer]), [
    file.fileId,
    a.peer,
  ] as const)
  const timing = await poll(
    'the download',
    () => b.page.evaluate((id) => window.filesDriver.timing(id), file.fileId),
    (t) => (t?.doneAt ?? 0) > 0,
  )
  const stored = await b.page.evaluate((id) => window.filesDriver.storedSha256(id), file.fileId)
  if (stored !== file.sha256) throw new Error('the received file does not match the original')
  return bytes / MB / ((timing!.doneAt - timing!.startedAt) / 1000)
}

async function heapMb(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[]
  }
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / MB
}

/** The receiver's peak JS heap while a fresh device receives a 256 MiB file. */
async function heapRun(browser: Browser, bench: FilesBench, a: FilesDevice, ctx: BenchContext) {
  const c = await openFilesDevice(browser, bench)
  try {
    await linkAll([a, c])
    const file = await a.page.evaluate((size) => window.filesDriver.generate(size, 99), HEAP_BYTES)
    const cdp = await c.context.newCDPSession(c.page)
    await cdp.send('Performance.enable')
    await cdp.send('HeapProfiler.collectGarbage')
    const before = await heapMb(cdp)
    let peak = before
    let done = false
    const sampling = (async () => {
      while (!done) {
        peak = Math.max(peak, await heapMb(cdp))
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()
    await c.page.evaluate(([id, peer]) => window.filesDriver.download(id, [peer]), [
      file.fileId,
      a.peer,
    ] as const)
    await poll(
      'the 256 MiB download',
      () => c.page.evaluate((id) => window.filesDriver.timing(id), file.fileId),
      (t) => (t?.doneAt ?? 0) > 0,
    )
    done = true
    await sampling
    ctx.log(`receiver heap: ${before.toFixed(1)} MB before, peak ${peak.toFixed(1)} MB`)
    return peak
  } finally {
    await c.context.close()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const bench = await startFilesPage()
  const browser = await ctx.browser()
  const opened: FilesDevice[] = []
  try {
    const a = await openFilesDevice(browser, bench)
    const b = await openFilesDevice(browser, bench)
    opened.push(a, b)
    await linkAll([a, b])
    const raw: number[] = []
    const app: number[] = []
    for (let i = 0; i < RUNS; i++) {
      raw.push((await rawRun(a, b)).mbps)
      app.push(await appRun(a, b, i + 1))
      ctx.log(`run ${i + 1}: raw ${raw[i]!.toFixed(1)} MB/s, app ${app[i]!.toFixed(1)} MB/s`)
    }
    const ratios = raw.map((r, i) => app[i]! / r)
    const heap = await heapRun(browser, bench, a, ctx)
    return [
      { name: 'file.throughput_mbps', value: round(median(app)), unit: 'MB/s', runs: RUNS },
      { name: 'file.throughput_ratio', value: round(median(ratios)), unit: 'ratio', runs: RUNS },
      { name: 'file.receiver_heap_mb', value: round(heap), unit: 'MB', runs: 1 },
    ]
  } finally {
    for (const d of opened) await d.context.close()
    await bench.close()
  }
}

const round = (value: number) => Math.round(value * 100) / 100
