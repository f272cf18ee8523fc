/**
 * Runs every `bench/*.bench.ts` (or those whose file name contains one of the arguments),
 * prints a table and writes bench/results.json. `npm run bench -- bundle` runs one.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { execFileSync, spawnSync } from 'node:child_process'
import type { Browser } from 'playwright-core'
import { isBenchModule, type BenchContext, type Metric, type MetricUnit } from './harness.ts'

interface Results {
  commit: string
  machine: string
  metrics: Record<string, { value: number; unit: MetricUnit; runs: number }>
}

const UNITS: readonly MetricUnit[] = ['ms', 'us', 'ratio', 'MB', 'MB/s', 'KB', 'count']
const rootDir = join(import.meta.dirname, '..')
const benchDir = join(rootDir, 'bench')
const resultsPath = join(benchDir, 'results.json')

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function machine(): string {
  const model = cpus()[0]?.model.trim()
  const memory = `${Math.round(totalmem() / 2 ** 30)} GiB memory`
  return `${cpus().length} cores${model ? ` (${model})` : ''}, ${memory}`
}

function checkMetric(metric: Metric): string | undefined {
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(metric.name)) return `bad name ${metric.name}`
  if (!Number.isFinite(metric.value)) return `${metric.name}: value is not a finite number`
  if (!UNITS.includes(metric.unit)) return `${metric.name}: unknown unit ${metric.unit}`
  if (!Number.isInteger(metric.runs) || metric.runs < 1) return `${metric.name}: bad runs`
  return undefined
}

/** The services benchmarks share; `dispose` stops whatever was started. */
function createContext(): { ctx: (name: string) => BenchContext; dispose(): Promise<void> } {
  const distDir = join(rootDir, 'dist')
  let built = false
  let server: Promise<{ url: string; close(): Promise<void> }> | undefined
  let browser: Promise<Browser> | undefined

  const ensureBuilt = async (options: { force?: boolean } = {}) => {
    if (built && !options.force) return
    if (options.force || !existsSync(join(distDir, 'index.html'))) {
      const result = spawnSync('npx', ['vite', 'build'], { cwd: rootDir, stdio: 'inherit' })
      if (result.status !== 0) throw new Error('vite build failed')
    }
    built = true
  }
  const startServer = async () => {
    await ensureBuilt()
    const { createSignalingServer } = await import('../signaling/server.ts')
    const handle = await createSignalingServer({ port: 0, host: '127.0.0.1', staticDir: distDir })
    return { url: handle.address.url, close: () => handle.close() }
  }
  const launchBrowser = async () => {
    const [{ chromium }, { chromiumLaunchOptions }] = await Promise.all([
      import('playwright-core'),
      import('../tests/support/browser.ts'),
    ])
    // `PEERPLACE_BENCH_CHROMIUM_ARGS`: more command-line switches, space-separated (say,
    // `--js-flags=--trace-deopt`, printed with DEBUG=pw:browser).
    const extra = process.env.PEERPLACE_BENCH_CHROMIUM_ARGS?.split(' ').filter(Boolean) ?? []
    return chromium.launch(chromiumLaunchOptions(extra))
  }

  return {
    ctx: (name) => ({
      rootDir,
      distDir,
      ensureBuilt,
      server: () => (server ??= startServer()),
      browser: () => (browser ??= launchBrowser()),
      log: (message) => console.info(`[${name}] ${message}`),
    }),
    async dispose() {
      await Promise.allSettled([browser?.then((b) => b.close()), server?.then((s) => s.close())])
    },
  }
}

function printTable(metrics: Results['metrics']): void {
  const rows = Object.entries(metrics).map(([name, m]) => [
    name,
    String(Math.round(m.value * 1000) / 1000),
    m.unit,
    String(m.runs),
  ])
  const header = ['metric', 'value', 'unit', 'runs']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  console.info(line(header))
  console.info(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.info(line(row))
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2)
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort()
  if (files.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ') || '(any)'}`)
    return 1
  }
  // A partial run keeps the other metrics of the previous results.
  const previous: Results['metrics'] =
    filters.length > 0 && existsSync(resultsPath)
      ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as Results).metrics
      : {}
  const results: Results = { commit: gitCommit(), machine: machine(), metrics: { ...previous } }
  const failures: string[] = []
  const context = createContext()
  try {
    for (const file of files) {
      const name = file.replace(/\.bench\.ts$/, '')
      const started = performance.now()
      try {
        const module: unknown = await import(pathToFileURL(join(benchDir, file)).href)
        if (!isBenchModule(module)) throw new Error('does not export run(ctx)')
        for (const metric of await module.run(context.ctx(name))) {
          const problem = checkMetric(metric)
          if (problem) throw new Error(problem)
          results.metrics[metric.name] = {
            value: metric.value,
            unit: metric.unit,
            runs: metric.runs,
          }
        }
        console.info(`[${name}] done in ${Math.round(performance.now() - started)} ms`)
      } catch (error) {
        failures.push(name)
        console.error(`[${name}] failed:`, error)
      }
    }
  } finally {
    await context.dispose()
  }
  writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n')
  console.info(`\ncommit ${results.commit}\nmachine ${results.machine}\n`)
  printTable(results.metrics)
  console.info(`\nwrote ${resultsPath.slice(rootDir.length + 1)}`)
  if (failures.length > 0) console.error(`failed: ${failures.join(', ')}`)
  return failures.length > 0 ? 1 : 0
}

// Exit explicitly: an embedded broker or a benchmark's library may keep timers alive.
process.exit(await main())
