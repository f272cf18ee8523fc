/**
 * `lighthouse.mobile_performance` (0-100) and `load.mobile_lcp_ms`: Lighthouse 12's mobile preset
 * (simulated slow 4G and a 4x slower CPU) on a first visit to the production build, served by
 * the app's own server. The median of a few runs; each run has a deadline.
 */
import { launch, type LaunchedChrome } from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { chromiumPath } from '../tests/support/browser.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const RUNS = 3
const RUN_DEADLINE_MS = 180_000
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu']

interface RunResult {
  score: number
  lcpMs: number
  fcpMs: number
  tbtMs: number
  transferKb: number
}

async function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

async function runOnce(url: string): Promise<RunResult> {
  const chrome: LaunchedChrome = await withDeadline(
    'launching Chromium for Lighthouse',
    30_000,
    launch({ chromePath: process.env['CHROME_PATH'] ?? chromiumPath(), chromeFlags: CHROME_FLAGS }),
  )
  try {
    const result = await withDeadline(
      `Lighthouse on ${url}`,
      RUN_DEADLINE_MS,
      lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance'],
      }),
    )
    const lhr = result?.lhr
    if (!lhr) throw new Error('Lighthouse returned no report')
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.message}`)
    const score = lhr.categories['performance']?.score
    const audit = (id: string): number => {
      const value = lhr.audits[id]?.numericValue
      if (typeof value !== 'number') throw new Error(`Lighthouse measured no ${id}`)
      return value
    }
    if (typeof score !== 'number') throw new Error('Lighthouse gave no performance score')
    return {
      score: score * 100,
      lcpMs: audit('largest-contentful-paint'),
      fcpMs: audit('first-contentful-paint'),
      tbtMs: audit('total-blocking-time'),
      transferKb: audit('total-byte-weight') / 1000,
    }
  } finally {
    await chrome.kill()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const { url } = await ctx.server()
  const results: RunResult[] = []
  for (let i = 0; i < RUNS; i++) {
    const r = await runOnce(url)
    ctx.log(
      `run ${i + 1}: score ${r.score.toFixed(0)}, FCP ${r.fcpMs.toFixed(0)} ms, ` +
        `LCP ${r.lcpMs.toFixed(0)} ms, TBT ${r.tbtMs.toFixed(0)} ms, ${r.transferKb.toFixed(0)} KB`,
    )
    results.push(r)
  }
  return [
    {
      name: 'lighthouse.mobile_performance',
      value: median(results.map((r) => r.score)),
      unit: 'count',
      runs: RUNS,
    },
    {
      name: 'load.mobile_lcp_ms',
      value: Math.round(median(results.map((r) => r.lcpMs))),
      unit: 'ms',
      runs: RUNS,
    },
  ]
}
