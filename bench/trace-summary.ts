/**
 * Summarises a Chromium trace (as `PEERPLACE_CHAT_TRACE` writes one) of the renderer processes:
 * CPU time by thread, self time by event kind (script, style, layout, paint, raster, GC...), the
 * script time by function called into, counts of tasks and frames, and the main threads' tasks
 * by what they ran (a frame, a message from a worker, a timer, an event...), all divided by
 * `per` (the number of messages the trace covers times the pages, for per-message figures).
 * `npx tsx bench/trace-summary.ts <file> [per] [rows]`.
 */
import { readFileSync } from 'node:fs'

interface TraceEvent {
  name: string
  cat: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  args?: { name?: string; data?: Record<string, unknown>; src_file?: string }
}

const [file, perArg, rowsArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: trace-summary <file> [per] [rows]')
  process.exit(2)
}
const per = Number(perArg ?? 1)
const rows = Number(rowsArg ?? 25)
const parsed = JSON.parse(readFileSync(file, 'utf8')) as
  { traceEvents: TraceEvent[] } | TraceEvent[]
const events = Array.isArray(parsed) ? parsed : parsed.traceEvents

const processName = new Map<number, string>()
const threadName = new Map<string, string>()
for (const e of events) {
  if (e.ph !== 'M') continue
  if (e.name === 'process_name') processName.set(e.pid, e.args?.name ?? '?')
  if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?')
}
const renderers = new Set([...processName].filter(([, n]) => n === 'Renderer').map(([p]) => p))

/**
 * Complete events (X, and B/E pairs made complete) of renderer threads, by thread. Durations are
 * thread CPU time (`tdur`) where the trace has it, so time other programs held the CPU is left
 * out.
 */
const byThread = new Map<string, TraceEvent[]>()
const open = new Map<string, TraceEvent[]>()
for (const e of events) {
  if (!renderers.has(e.pid)) continue
  const key = `${e.pid}:${e.tid}`
  if (e.ph === 'X') {
    if (!byThread.has(key)) byThread.set(key, [])
    byThread.get(key)!.push(e)
  } else if (e.ph === 'B') {
    if (!open.has(key)) open.set(key, [])
    open.get(key)!.push(e)
  } else if (e.ph === 'E') {
    const begun = open.get(key)?.pop()
    if (!begun) continue
    if (!byThread.has(key)) byThread.set(key, [])
    byThread.get(key)!.push({ ...begun, ph: 'X', dur: e.ts - begun.ts })
  }
}

const kind = (e: TraceEvent): string => {
  const n = e.name
  // Thread-pool tasks say where they were posted from: wasm or JS compiles, raster, GC...
  if (n === 'ThreadPool_RunTask' && e.args?.src_file)
    return `${n} ${e.args.src_file.replace(/^.*\/(.*\/.*)$/, '$1')}`
  if (/GC|Scavenge|MarkCompact|MinorMS/i.test(n)) return `GC`
  if (n === 'FunctionCall' || n === 'EvaluateScript' || n === 'v8.compile' || n.startsWith('V8.'))
    return `script ${n}`
  return n
}

const cpu = (e: TraceEvent) => e.tdur ?? e.dur ?? 0

const add = (map: Map<string, number>, key: string, us: number) =>
  map.set(key, (map.get(key) ?? 0) + us)

const threadTotal = new Map<string, number>()
const selfByKind = new Map<string, number>()
const scriptByFunction = new Map<string, number>()
const counts = new Map<string, number>()
/**
 * The renderers' outermost main-thread tasks: thread CPU time and wall time, in microseconds,
 * and what they ran (the first event inside that says).
 */
const mainTasks: { cpu: number; wall: number; kind: string | undefined }[] = []

/** What a main-thread task ran, from an event inside it; undefined if this one does not say. */
const taskKind = (e: TraceEvent): string | undefined => {
  const d = e.args?.data ?? {}
  if (e.name === 'ProxyMain::BeginMainFrame') return 'a frame'
  if (e.name === 'HandlePostMessage') return 'a message from a worker or port'
  if (e.name === 'TimerFire') return 'a timer'
  if (e.name === 'EventDispatch') return `an event: ${String(d.type ?? '?')}`
  if (e.name === 'FunctionCall') return `a call: ${String(d.functionName || '(anonymous)')}`
  if (/^V8\.GC|MinorGC|MajorGC/.test(e.name)) return 'GC'
  return undefined
}
let totalUs = 0
for (const [key, list] of byThread) {
  const tname = `${threadName.get(key) ?? key}`
  list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))
  const stack: { end: number; e: TraceEvent; childUs: number }[] = []
  let task: (typeof mainTasks)[number] | undefined
  const close = (upTo: number) => {
    while (stack.length > 0 && stack.at(-1)!.end <= upTo) {
      const top = stack.pop()!
      const self = Math.max(0, cpu(top.e) - top.childUs)
      add(selfByKind, `${tname.replace(/\d+$/, '')} | ${kind(top.e)}`, self)
    }
  }
  for (const e of list) {
    close(e.ts)
    const dur = cpu(e)
    if (stack.length === 0) {
      add(threadTotal, tname.replace(/\d+$/, ''), dur)
      totalUs += dur
      if (/RunTask/.test(e.name)) add(counts, `tasks on ${tname.replace(/\d+$/, '')}`, 1)
      if (tname === 'CrRendererMain')
        mainTasks.push((task = { cpu: dur, wall: e.dur ?? 0, kind: undefined }))
    } else {
      stack.at(-1)!.childUs += dur
      if (task && task.kind === undefined) task.kind = taskKind(e)
    }
    if (e.name === 'FunctionCall') {
      const d = e.args?.data ?? {}
      const fn = `${String(d.functionName || '(anonymous)')} ${String(d.url ?? '').replace(/^.*\//, '')}:${String(d.lineNumber ?? '')}`
      if (!stack.some((s) => s.e.name === 'FunctionCall')) add(scriptByFunction, fn, dur)
    }
    if (
      /^(BeginFrame|DrawFrame|Commit|Paint|Layout|UpdateLayoutTree|Layerize|PrePaint)$/.test(e.name)
    )
      add(counts, `${e.name} on ${tname.replace(/\d+$/, '')}`, 1)
    stack.push({ end: e.ts + (e.dur ?? 0), e, childUs: 0 })
  }
  close(Infinity)
}

const ms = (us: number) => (us / 1000 / per).toFixed(3).padStart(9)
const print = (title: string, map: Map<string, number>, format = ms) => {
  console.info(`\n${title}`)
  for (const [name, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.info(`${format(v)}  ${name}`)
}
console.info(
  `renderer processes: ${renderers.size}; all top-level CPU time ${ms(totalUs)} ms per unit`,
)
print('CPU ms per unit, by thread (outermost events)', threadTotal)
print('self CPU ms per unit, by thread | event', selfByKind)
print('script CPU ms per unit, by function called into (main and workers)', scriptByFunction)
print('count per unit', counts, (n) => (n / per).toFixed(2).padStart(9))
const byKind = new Map<string, { us: number; count: number }>()
for (const { cpu: us, kind = 'other (scheduler, IPC, microtasks only)' } of mainTasks) {
  const sum = byKind.get(kind) ?? { us: 0, count: 0 }
  byKind.set(kind, { us: sum.us + us, count: sum.count + 1 })
}
console.info('\nmain-thread tasks by what they ran: CPU ms and count per unit')
for (const [kind, { us, count }] of [...byKind].sort((a, b) => b[1].us - a[1].us).slice(0, rows))
  console.info(`${ms(us)} ${(count / per).toFixed(2).padStart(7)}  ${kind}`)

const longest = (by: 'cpu' | 'wall') =>
  [...mainTasks]
    .sort((a, b) => b[by] - a[by])
    .slice(0, 10)
    .map((t) => `${Math.round(t.cpu / 1000)}/${Math.round(t.wall / 1000)}`)
    .join(', ')
const atLeast50 = (by: 'cpu' | 'wall') => mainTasks.filter((t) => t[by] >= 50_000).length
console.info(
  `\nmain-thread tasks (CPU/wall ms): longest by thread CPU ${longest('cpu')}; longest by wall ` +
    `${longest('wall')}; ${atLeast50('cpu')} took 50 ms or more of CPU, ${atLeast50('wall')} ` +
    `lasted 50 ms or more`,
)
