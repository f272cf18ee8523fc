/**
 * Chat in the app, in Chromium (the production build served with the relay by the run's server).
 *
 * `chat.latency_p50_ms`, `chat.latency_p99_ms`: three members in three browser contexts (one
 * workplace, joined by an invite link), chat tab open on each. 500 messages sent through the
 * composer, one every 20-50 ms (seeded random gaps, random sender), after 15 unmeasured warm-up
 * messages. Latency of a (message, receiver) pair: from the sender's page taking the time right
 * before it puts the text in the message box and clicks Send (the time is written into the
 * text) to the message's element being added to the receiver's page (a MutationObserver,
 * before paint).
 * Clocks: `performance.timeOrigin + now()`, shared by every page of one machine. Percentiles are
 * nearest-rank over all 1000 pairs.
 *
 * The same three members then send another 500 messages with every page's CPU slowed 4 times
 * (CDP `Emulation.setCPUThrottlingRate`, Lighthouse's model of a mid-range phone): the `_cpu4`
 * figures. For each round, `chat.main_thread_longest_task_ms` is the longest main-thread task on
 * any page (Long Tasks API: 0 when none took 50 ms or more), and `chat.cpu_ms_per_message` the
 * CPU time of the renderer processes (CDP `SystemInfo.getProcessInfo`) from the first send until
 * every message showed everywhere and a second passed, per message and page (the main threads'
 * busy time, CDP `Performance.getMetrics` TaskDuration, is logged beside it: it also counts time
 * other programs held the CPU; so is how many cores the renderers kept busy, which near all of
 * the machine's says the latencies measure a queue for a core). `chat.frames_per_message`: data
 * channel frames each page sent per message over the same span, whatever for (the message, its
 * sync, receipts, status reports; logged by mesh channel). Before each round the pages sit idle
 * for 3 s at its rate, and the cores the renderers kept busy then are logged: Chromium on Linux
 * throttles a page with a spin, so three pages slowed 4 times use most of a two-core machine
 * with nothing to do, and the `_cpu4` figures here count that spin and the wait it causes.
 * `PEERPLACE_CHAT_PROFILE=<file>` writes a CPU profile of the first member's page during the
 * unthrottled round (`npx tsx bench/cpuprofile-summary.ts <file>` lists the top functions);
 * `PEERPLACE_CHAT_HOPS=<file>` times each message's hops (bench/chat-hops.ts) and
 * `PEERPLACE_CHAT_WORKER_PROFILE=<prefix>` profiles the documents workers, in the unthrottled round
 * (or the one `PEERPLACE_CHAT_PROFILE_RATE` names);
 * `PEERPLACE_CHAT_ONLY=latency` (or `open`) runs only that part; `PEERPLACE_CHAT_RATES=1` (or `4`,
 * comma-separated) only those CPU rates.
 *
 * `chat.open_50k_ms`: cold open of a workplace holding 50,000 messages, from navigation start of
 * the app's page to the newest message painted in the workplace's chat (the tab a workplace opens
 * on). The history (bench/chat-history.ts: 4 members, 100 days, one change per message by its
 * author, receipts every 25 messages, the last 20 unread; every message, reaction and receipt
 * signed by its writer's device key) is written into a browser profile on
 * disk, in the app's own IndexedDB stores under the device's identity, by a page on the app's
 * origin. Each run starts the browser afresh on that profile (no renderer or in-memory caches;
 * the HTTP cache and compiled code warm, as for a returning user; service workers off), loads the
 * app and clicks the workplace the moment the list shows it. "Painted": the newest message's
 * element is in the chat list (with unread messages the list opens at the divider, so it may be
 * below the fold) and a frame has been drawn since. Includes the app's start (logged separately:
 * when the workplace list appeared). Median of 5 runs after one unmeasured run, then of 5 runs with
 * the page's CPU slowed 4 times (`chat.open_50k_ms_cpu4`). An open that fails (say, the page does
 * not load in time) is logged and left out of the median. A returning device paints the chat's
 * newest messages from the window it saved when it last showed them (saved-window.ts), before
 * the chat's documents are open; `chat.open_50k_live_ms` is when the newest message is in the
 * open chat itself (the documents loaded and its signatures checked).
 *
 * `chat.open_50k_ms_locked`: the same open once the storage lock is on (turned on over the same
 * history in the same profile after the unlocked series, with the app's key cost), from
 * navigation start, the passphrase typed the moment the unlock screen shows: so it includes the
 * key derivation (logged apart) and opening every sealed value. Median of 5 runs at full speed,
 * printed beside the unlocked `chat.open_50k_ms` of the same run.
 */
import { cpus } from 'node:os'
import { median, type BenchContext, type Metric } from './harness.ts'
import { measureChatLatency, type LatencyResult } from './chat-latency.ts'
import { measureChatOpen, type OpenRun, type OpenSeries } from './chat-open.ts'

const MESSAGES = 500
/**
 * Unmeasured messages first. `PEERPLACE_CHAT_WARMUP=n` sends n instead: with a few hundred, much
 * of V8's compiling and optimizing (Automerge's wasm tier-up included) happens before the
 * measured round rather than in it.
 */
const WARMUP = Number(process.env.PEERPLACE_CHAT_WARMUP ?? 15)
/** `PEERPLACE_CHAT_HISTORY=n` writes n messages instead (a quick look; the figures keep their names). */
const HISTORY = Number(process.env.PEERPLACE_CHAT_HISTORY ?? 50_000)
/** `PEERPLACE_CHAT_OPEN_RUNS=n` opens n times per series instead (fewer on a busy machine). */
const OPEN_RUNS = Number(process.env.PEERPLACE_CHAT_OPEN_RUNS ?? 5)
/** Lighthouse's model of a mid-range phone: a CPU 4 times slower than a desktop's. */
const SLOW_CPU = 4
const LOCK_PASSPHRASE = 'bench storage passphrase'
/**
 * Set to a file path to write a CPU profile of one page during the unthrottled round (and of the
 * last unthrottled open, to `<path>.open.cpuprofile`).
 */
const PROFILE = process.env.PEERPLACE_CHAT_PROFILE
/**
 * Set to a file path to write a Chromium trace of the renderers over the unthrottled round
 * (`npx tsx bench/trace-summary.ts <file> <messages x pages>` sums it up per message and page).
 */
const TRACE = process.env.PEERPLACE_CHAT_TRACE
/**
 * `PEERPLACE_CHAT_PROFILE_RATE=4` profiles, traces and times the hops of the throttled round
 * instead.
 */
const PROFILE_RATE = Number(process.env.PEERPLACE_CHAT_PROFILE_RATE ?? 1)
/** `latency` or `open` runs only that part. */
const ONLY = process.env.PEERPLACE_CHAT_ONLY
/** `PEERPLACE_CHAT_WORKER=on` runs the latency rounds with the chat in a Web Worker. */
const WORKER = process.env.PEERPLACE_CHAT_WORKER

/** Nearest-rank percentile of a non-empty list. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

const round1 = (ms: number) => Math.round(ms * 10) / 10
const round2 = (ms: number) => Math.round(ms * 100) / 100
const suffix = (rate: number) => (rate === 1 ? '' : `_cpu${rate}`)

function latencyLog(r: LatencyResult): string {
  const { latencies, lateness } = r
  return (
    `CPU rate ${r.rate}: ${latencies.length} deliveries in ${(r.durationMs / 1000).toFixed(1)} s: ` +
    `min ${round1(Math.min(...latencies))}, p50 ${round1(percentile(latencies, 50))}, ` +
    `p90 ${round1(percentile(latencies, 90))}, p99 ${round1(percentile(latencies, 99))}, ` +
    `max ${round1(Math.max(...latencies))} ms; sends started late by median ` +
    `${round1(median(lateness))}, max ${round1(Math.max(...lateness))} ms; per message and page: ` +
    `renderer CPU ${round2(r.cpuMsPerMessage)} ms (the renderers kept ${round2(r.rendererCores)} ` +
    `of ${cpus().length} cores busy; ${round2(r.idleCores)} with the pages idle at this rate ` +
    `just before), main thread busy ${round2(r.taskMsPerMessage)} ` +
    `ms (script ${round2(r.scriptMsPerMessage)}, ${round2(r.layoutsPerMessage)} layouts), ` +
    `${round2(r.framesPerMessage)} frames sent ` +
    `(${Math.round(r.bytesPerMessage)} bytes; ${framesByKind(r.framesByKind)}); ` +
    `${r.longTasks} long tasks, longest ${round1(r.longestTaskMs)} ms` +
    (r.longTasks > 0 ? ` (${longestFew(r.longTaskDurations)})` : '')
  )
}

/** Frames per message and page by what they carried, most first. */
function framesByKind(byKind: Record<string, number>): string {
  return Object.entries(byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${round2(n)}`)
    .join(', ')
}

/** The 20 longest tasks (longest first), and how long the rest were. */
function longestFew(durations: readonly number[]): string {
  const shown = durations.slice(0, 20).map(Math.round).join(', ')
  const rest = durations.slice(20)
  if (rest.length === 0) return shown
  return `${shown}; ${rest.length} more of ${Math.round(rest.at(-1)!)}-${Math.round(rest[0]!)} ms`
}

function latencyMetrics(r: LatencyResult): Metric[] {
  const s = suffix(r.rate)
  const runs = r.latencies.length
  return [
    {
      name: `chat.latency_p50_ms${s}`,
      value: round1(percentile(r.latencies, 50)),
      unit: 'ms',
      runs,
    },
    {
      name: `chat.latency_p99_ms${s}`,
      value: round1(percentile(r.latencies, 99)),
      unit: 'ms',
      runs,
    },
    {
      name: `chat.main_thread_longest_task_ms${s}`,
      value: round1(r.longestTaskMs),
      unit: 'ms',
      runs: 1,
    },
    { name: `chat.cpu_ms_per_message${s}`, value: round2(r.cpuMsPerMessage), unit: 'ms', runs: 1 },
    {
      name: `chat.frames_per_message${s}`,
      value: round2(r.framesPerMessage),
      unit: 'count',
      runs: 1,
    },
  ]
}

function openLog(series: OpenSeries): string {
  const each = (field: keyof OpenRun) =>
    series.runs.map((r) => Math.round((r[field] as number | undefined) ?? NaN)).join(', ')
  const failed = series.failures.length
  return (
    `open at CPU rate ${series.rate}: newest message painted at ${each('painted')} ms; in the ` +
    `DOM at ${each('inDom')}, in the open chat at ${each('liveInDom')}; workplace listed (app started) at ${each('listed')}; page quiet ` +
    `from ${each('settled')}, ${series.runs[0]?.count} messages rendered` +
    (failed > 0 ? `; ${failed} of ${failed + series.runs.length} opens failed` : '')
  )
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  // `PEERPLACE_CHAT_RATES=1` (comma-separated) runs only those CPU rates.
  const rates = process.env.PEERPLACE_CHAT_RATES?.split(',').map(Number) ?? [1, SLOW_CPU]
  const metrics: Metric[] = []
  if (ONLY !== 'open') metrics.push(...(await latency(ctx, rates)))
  if (ONLY !== 'latency') metrics.push(...(await open(ctx, rates)))
  return metrics
}

async function latency(ctx: BenchContext, rates: number[]): Promise<Metric[]> {
  const server = await ctx.server()
  const browser = await ctx.browser()
  const rounds = await measureChatLatency(browser, server.url, {
    messages: MESSAGES,
    gapMs: [20, 50],
    warmup: WARMUP,
    cpuRates: rates,
    profile: PROFILE ? { path: PROFILE, rate: PROFILE_RATE } : undefined,
    flags: WORKER ? { 'peerplace.chat-worker': WORKER } : undefined,
    trace: TRACE ? { path: TRACE, rate: PROFILE_RATE } : undefined,
    detailRate: PROFILE_RATE,
    // `PEERPLACE_CHAT_IDLE=1` logs the renderers' CPU over 10 s of open chats with no messages.
    idleMs: process.env.PEERPLACE_CHAT_IDLE ? 10_000 : undefined,
    // `PEERPLACE_CHAT_IDLE_TRACE=<file>` also traces those 10 s.
    idleTrace: process.env.PEERPLACE_CHAT_IDLE_TRACE,
    log: ctx.log,
  })
  for (const r of rounds) {
    ctx.log(latencyLog(r))
    // Idle pages holding half the machine at a throttled rate: the round measured the spin.
    if (r.rate > 1 && r.idleCores > cpus().length / 2) {
      ctx.log(
        `CPU rate ${r.rate}: the idle pages alone kept ${round2(r.idleCores)} of ${cpus().length} ` +
          `cores busy (Chromium's throttler spins); this round's figures measure that, not the app`,
      )
    }
  }
  return rounds.flatMap(latencyMetrics)
}

async function open(ctx: BenchContext, rates: number[]): Promise<Metric[]> {
  const server = await ctx.server()
  const open = await measureChatOpen({
    appUrl: server.url,
    rootDir: ctx.rootDir,
    messages: HISTORY,
    runs: OPEN_RUNS,
    cpuRates: rates,
    profilePath: PROFILE && `${PROFILE}.open.cpuprofile`,
    lockedPassphrase: LOCK_PASSPHRASE,
    log: ctx.log,
  })
  const metrics: Metric[] = []
  for (const series of open.series) {
    ctx.log(openLog(series))
    // Every open failed: nothing to report for this rate (the failures are logged above).
    if (series.runs.length === 0) continue
    metrics.push({
      name: `chat.open_50k_ms${suffix(series.rate)}`,
      value: Math.round(median(series.runs.map((r) => r.painted!))),
      unit: 'ms',
      runs: series.runs.length,
    })
    const live = series.runs.flatMap((r) => (r.liveInDom === undefined ? [] : [r.liveInDom]))
    if (live.length > 0) {
      metrics.push({
        name: `chat.open_50k_live_ms${suffix(series.rate)}`,
        value: Math.round(median(live)),
        unit: 'ms',
        runs: live.length,
      })
    }
  }
  const locked = open.locked
  if (locked && locked.runs.length > 0) {
    const unlock = locked.runs.map((r) => Math.round(r.unlocked! - r.unlockSubmitted!))
    ctx.log(`locked ${openLog(locked)}; unlocking (key derivation) took ${unlock.join(', ')} ms`)
    metrics.push({
      name: 'chat.open_50k_ms_locked',
      value: Math.round(median(locked.runs.map((r) => r.painted!))),
      unit: 'ms',
      runs: locked.runs.length,
    })
  }
  return metrics
}
