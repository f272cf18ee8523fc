/**
 * Chat in the app, in Chromium (the production build served with the relay by the run's server).
 *
 * `chat.latency_p50_ms`, `chat.latency_p99_ms`: three members in three browser contexts (one
 * workplace, joined by an invite link), chat tab open on each. 500 messages sent through the
 * composer, one every 20-50 ms (seeded random gaps, random sender), after 15 unmeasured warm-up
 * messages. Latency of a (message, receiver) pair: from the sender's page taking the time right
 * before it puts the text in the message box and submits (the time is written into the text) to
 * the message's element being added to the receiver's page (a MutationObserver, before paint).
 * Clocks: `performance.timeOrigin + now()`, shared by every page of one machine. Percentiles are
 * nearest-rank over all 1000 pairs.
 */
import { median, type BenchContext, type Metric } from './harness.ts'
import { measureChatLatency } from './chat-latency.ts'

const MESSAGES = 500
const WARMUP = 15

/** Nearest-rank percentile of a non-empty list. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

const round1 = (ms: number) => Math.round(ms * 10) / 10

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const server = await ctx.server()
  const browser = await ctx.browser()
  const latency = await measureChatLatency(browser, server.url, {
    messages: MESSAGES,
    gapMs: [20, 50],
    warmup: WARMUP,
    log: ctx.log,
  })
  const { latencies, lateness } = latency
  ctx.log(
    `${latencies.length} deliveries in ${(latency.durationMs / 1000).toFixed(1)} s: ` +
      `min ${round1(Math.min(...latencies))}, p50 ${round1(percentile(latencies, 50))}, ` +
      `p90 ${round1(percentile(latencies, 90))}, p99 ${round1(percentile(latencies, 99))}, ` +
      `max ${round1(Math.max(...latencies))} ms; sends started late by median ` +
      `${round1(median(lateness))}, max ${round1(Math.max(...lateness))} ms`,
  )
  return [
    {
      name: 'chat.latency_p50_ms',
      value: round1(percentile(latencies, 50)),
      unit: 'ms',
      runs: latencies.length,
    },
    {
      name: 'chat.latency_p99_ms',
      value: round1(percentile(latencies, 99)),
      unit: 'ms',
      runs: latencies.length,
    },
  ]
}
