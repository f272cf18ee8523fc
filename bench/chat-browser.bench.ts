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
 *
 * `chat.open_50k_ms`: cold open of a workplace holding 50,000 messages, from navigation start of
 * the app's page to the newest message painted in the workplace's chat (the tab a workplace opens
 * on). The history (bench/chat-history.ts: 4 members, 100 days, one change per message by its
 * author, receipts every 25 messages, the last 20 unread) is written into a browser profile on
 * disk, in the app's own IndexedDB stores under the device's identity, by a page on the app's
 * origin. Each run starts the browser afresh on that profile (no renderer or in-memory caches;
 * the HTTP cache and compiled code warm, as for a returning user; service workers off), loads the
 * app and clicks the workplace the moment the list shows it. "Painted": the newest message's
 * element is in the chat list (with unread messages the list opens at the divider, so it may be
 * below the fold) and a frame has been drawn since. Includes the app's start (logged separately:
 * when the workplace list appeared). Median of 5 runs after one unmeasured run.
 */
import { median, type BenchContext, type Metric } from './harness.ts'
import { measureChatLatency } from './chat-latency.ts'
import { measureChatOpen, type OpenRun } from './chat-open.ts'

const MESSAGES = 500
const WARMUP = 15
const HISTORY = 50_000
const OPEN_RUNS = 5

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

  const open = await measureChatOpen({
    appUrl: server.url,
    rootDir: ctx.rootDir,
    messages: HISTORY,
    runs: OPEN_RUNS,
    log: ctx.log,
  })
  const painted = open.runs.map((r) => r.painted!)
  const each = (field: keyof OpenRun) =>
    open.runs.map((r) => Math.round((r[field] as number | undefined) ?? NaN)).join(', ')
  ctx.log(
    `open: newest message painted at ${each('painted')} ms; in the DOM at ${each('inDom')}; ` +
      `workplace listed (app started) at ${each('listed')}; page quiet from ` +
      `${each('settled')}, ${open.runs[0]?.count} messages rendered`,
  )
  return [
    { name: 'chat.open_50k_ms', value: Math.round(median(painted)), unit: 'ms', runs: OPEN_RUNS },
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
