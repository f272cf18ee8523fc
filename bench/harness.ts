/** The contract between `bench/run.ts` and each `bench/*.bench.ts` module. */
import type { Browser } from 'playwright-core'

export type MetricUnit = 'ms' | 'us' | 'ratio' | 'MB' | 'MB/s' | 'KB' | 'count'

/** One measured number, named as the issues name it (e.g. `bundle.initial_js_gzip_kb`). */
export interface Metric {
  readonly name: string
  readonly value: number
  readonly unit: MetricUnit
  /** How many runs the value summarizes (1 for a deterministic measurement). */
  readonly runs: number
}

/** Services a benchmark may use; the slow ones start on first use and stop after the run. */
export interface BenchContext {
  /** The repository root. */
  readonly rootDir: string
  /** The production build's folder (dist/). */
  readonly distDir: string
  /** Builds the app with `vite build` unless dist/index.html already exists (or `force`). */
  ensureBuilt(options?: { force?: boolean }): Promise<void>
  /**
   * The production build and the relay served by one in-process server on a free port, started
   * on first call (after `ensureBuilt`) and shared by every benchmark of the run.
   */
  server(): Promise<{ readonly url: string }>
  /** A headless Chromium with the project's flags, launched on first call and shared. */
  browser(): Promise<Browser>
  /** Prints a progress line prefixed with the benchmark's name. */
  log(message: string): void
}

/** What every `bench/*.bench.ts` module exports. */
export interface BenchModule {
  run(ctx: BenchContext): Promise<Metric[]>
}

export function isBenchModule(value: unknown): value is BenchModule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { run?: unknown }).run === 'function'
  )
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
