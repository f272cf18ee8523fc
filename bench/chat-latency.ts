/**
 * Chat latency in the app: three members in three browser contexts (one workplace, joined by an
 * invite link), messages sent through the composer at a steady pace from all three; the latency
 * of a (message, receiver) pair is from the send on the sender's page to the message's element
 * added on the receiver's page. See bench/chat-latency-probe.ts for what runs in the pages.
 */
import { writeFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { openChat } from '../tests/e2e/support/chat.ts'
import { startHops, takeHops } from './chat-hops.ts'
import { WorkerProfiler } from './worker-profiler.ts'
import { openDevice, type Device } from '../tests/e2e/support/device.ts'
import { seededRandom } from '../tests/support/seeded-random.ts'
import { createInvite, createWorkplace, expectMembers } from '../tests/e2e/support/workplace.ts'
import {
  installArrivalProbe,
  installFrameCounter,
  installLongTaskProbe,
  NAME_SHIM,
  PROBE_TEXT,
  sendPlanned,
  type Arrival,
  takeFramesSent,
  takeIdleChanges,
  watchIdleChanges,
  takeLongTasks,
  type PlannedSend,
} from './chat-latency-probe.ts'
import {
  busyBetween,
  cpuBetween,
  RendererMeter,
  RenderersCpu,
  type BusyTime,
} from './renderer-meter.ts'

export interface LatencyOptions {
  messages: number
  /** Gaps between consecutive sends (from any member), uniformly random in this range. */
  gapMs: readonly [number, number]
  /** Messages sent first and not measured (the first shard, compiled code paths). */
  warmup: number
  /**
   * One measured round of `messages` per entry, in this order, with every page's CPU slowed
   * that many times (CDP `Emulation.setCPUThrottlingRate`; 1 is full speed).
   */
  cpuRates: readonly number[]
  /** Writes a JavaScript CPU profile of the first page during the round at `rate`. */
  profile?: { path: string; rate: number } | undefined
  /** localStorage flags set on every device before the app starts. */
  flags?: Record<string, string> | undefined
  /**
   * Writes a Chromium trace (renderer threads: script, style, layout, paint, raster, GC) of the
   * round at `rate` (the span its CPU is measured over) to `path`, for bench/trace-summary.ts.
   */
  trace?: { path: string; rate: number } | undefined
  /**
   * The CPU rate whose round `PEERPLACE_CHAT_HOPS` times hop by hop and
   * `PEERPLACE_CHAT_WORKER_PROFILE` profiles the workers of (1 unless given).
   */
  detailRate?: number | undefined
  /**
   * Measures the renderers' CPU this long with the chat open and no messages, after warm-up;
   * with `idleTrace`, writes a Chromium trace of that span there.
   */
  idleMs?: number | undefined
  idleTrace?: string | undefined
  log: (message: string) => void
}

export interface LatencyResult {
  /** The CPU throttling rate the round ran at. */
  rate: number
  /** One latency per (message, receiver), in milliseconds. */
  latencies: number[]
  /** How late the sends started against the plan, in milliseconds. */
  lateness: number[]
  durationMs: number
  /** The longest main-thread task on any page during the round (0: none of 50 ms or more). */
  longestTaskMs: number
  /** Long tasks (50 ms or more) on all pages during the round. */
  longTasks: number
  /** Their durations, longest first. */
  longTaskDurations: number[]
  /**
   * Main-thread busy time per message of the round, averaged over the pages, from the first
   * send until every page showed every message and one more second passed (trailing receipts).
   */
  taskMsPerMessage: number
  /** The JavaScript part of it. */
  scriptMsPerMessage: number
  /** Layouts per message and page over the same span: about how many frames each page drew. */
  layoutsPerMessage: number
  /**
   * CPU time of all renderer processes over the same span, per message and page: what the pages
   * cost, not counting time other programs held the CPU.
   */
  cpuMsPerMessage: number
  /**
   * The same CPU time over the span's length: how many of the machine's cores the renderers kept
   * busy. Near all of them, the pages waited for a core, and the latencies measure that queue.
   */
  rendererCores: number
  /**
   * Cores the renderers kept busy over `IDLE_PROBE_MS` with the pages throttled at this rate and
   * nothing sent, just before the round. Chromium on Linux throttles a page by pausing its main
   * thread in a signal handler that spins until the pause is over, so a page slowed 4 times keeps
   * most of a core busy doing nothing: with three pages on a two-core machine there is little
   * CPU left for the app, and the throttled figures measure that spin as much as the app.
   */
  idleCores: number
  /** Data channel frames each page sent per message, whatever for, over the same span. */
  framesPerMessage: number
  /** Those frames by what they carried (mesh channel or data channel label), per message and page. */
  framesByKind: Record<string, number>
  /** The bytes of those frames. */
  bytesPerMessage: number
}

/** Which member sends each message, and when (offsets from the start), seeded. */
export function sendPlan(
  count: number,
  members: number,
  gapMs: readonly [number, number],
  seed = 5,
): { sender: number; offset: number }[] {
  const next = seededRandom(seed)
  const plan: { sender: number; offset: number }[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    plan.push({ sender: Math.floor(next() * members), offset })
    offset += gapMs[0] + next() * (gapMs[1] - gapMs[0])
  }
  return plan
}

/** Three members of one new workplace, each with the chat tab open. */
export async function threeMembers(
  browser: Browser,
  appUrl: string,
  flags?: Record<string, string>,
): Promise<Device[]> {
  const ann = await openDevice(browser, 'Ann', appUrl, undefined, flags)
  const devices = [ann]
  try {
    await createWorkplace(ann.page, 'Latency')
    const invite = await createInvite(ann.page, '10 people')
    for (const name of ['Bob', 'Cy'])
      devices.push(await openDevice(browser, name, invite, undefined, flags))
    await expectMembers(ann.page, ['Ann', 'Bob', 'Cy'], 30_000)
    for (const d of devices) await openChat(d.page)
    return devices
  } catch (error) {
    await Promise.all(devices.map((d) => d.context.close()))
    throw error
  }
}

const clock = (device: Device) =>
  device.page.evaluate(() => performance.timeOrigin + performance.now())
const arrivalsOf = (device: Device) =>
  device.page.evaluate(() => window.chatLatencyArrivals ?? ([] as Arrival[]))

/**
 * Sends `count` messages (numbered from `firstSeq`) on the seeded plan; resolves when every page
 * has sent its share.
 */
async function sendRound(
  devices: Device[],
  firstSeq: number,
  count: number,
  gapMs: readonly [number, number],
) {
  const plan = sendPlan(count, devices.length, gapMs, firstSeq + 5)
  const start = (await clock(devices[0]!)) + 500
  const shares = devices.map((_, sender) =>
    plan
      .map(({ offset, sender: from }, i) => ({ seq: firstSeq + i, at: start + offset, from }))
      .filter((p) => p.from === sender)
      .map(({ seq, at }): PlannedSend => ({ seq, at })),
  )
  const lateness = await Promise.all(
    devices.map((d, sender) => d.page.evaluate(sendPlanned, { sender, plan: shares[sender]! })),
  )
  return { lateness: lateness.flat(), start, shares }
}

/**
 * Waits until every page shows the probes numbered from `firstSeq` that the others sent
 * (`shares`: each sender's). Past the deadline, says which are missing on which page and whether
 * the page has them further up its list (shown after scrolling up: delivered, but sorted above
 * the messages rendered at the bottom) or not at all.
 */
async function allShown(
  devices: Device[],
  firstSeq: number,
  shares: PlannedSend[][],
  timeoutMs: number,
) {
  const expected = others(
    shares,
    shares.reduce((sum, s) => sum + s.length, 0),
  )
  const deadline = Date.now() + timeoutMs
  // Probes numbered from `firstSeq` that another member sent.
  const fromOthers = (receiver: number) => (a: Arrival) => {
    const match = PROBE_TEXT.exec(a.text)
    return match !== null && Number(match[1]) >= firstSeq && Number(match[2]) !== receiver
  }
  for (;;) {
    const lists = await Promise.all(devices.map(arrivalsOf))
    const probes = lists.map((list, receiver) => list.filter(fromOthers(receiver)))
    if (probes.every((list, i) => list.length >= expected[i]!)) return probes
    if (Date.now() > deadline) {
      const counts = probes.map((list, i) => `${list.length}/${expected[i]}`).join(', ')
      const missing = await Promise.all(
        devices.map((d, receiver) => {
          const shown = new Set(probes[receiver]!.map((a) => Number(PROBE_TEXT.exec(a.text)![1])))
          const lacking = shares
            .flatMap((share, sender) => (sender === receiver ? [] : share))
            .map((p) => p.seq)
            .filter((seq) => !shown.has(seq))
          return lacking.length === 0 ? '' : whereMissing(d, receiver, lacking)
        }),
      )
      throw new Error(
        `not every message arrived within ${timeoutMs / 1000} s: ${counts}` +
          missing
            .filter(Boolean)
            .map((m) => `\n  ${m}`)
            .join(''),
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * Scrolls page `receiver`'s chat up and asks for older messages (for at most 15 s) to find the
 * probes it never showed.
 */
async function whereMissing(device: Device, receiver: number, seqs: number[]): Promise<string> {
  const found = await device.page.evaluate(
    async ({ seqs, until }) => {
      const texts = () =>
        [...document.querySelectorAll('[data-testid="chat-message-text"]')].map(
          (el) => el.textContent ?? '',
        )
      const has = (seq: number) => texts().some((t) => t.startsWith(`probe ${seq} from`))
      const log = document.querySelector('[data-testid="chat-log"]')
      while (Date.now() < until && !seqs.every(has)) {
        // A message sorted above a pinned window shows once older ones are asked for.
        document.querySelector<HTMLButtonElement>('[data-testid="chat-load-older"]')?.click()
        if (log) log.scrollTop = 0
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      return seqs.filter(has)
    },
    { seqs, until: Date.now() + 15_000 },
  )
  const above = seqs.filter((seq) => found.includes(seq))
  const absent = seqs.filter((seq) => !found.includes(seq))
  return (
    `page ${receiver} never showed probes ${seqs.join(', ')}` +
    (above.length > 0 ? `; up the list: ${above.join(', ')}` : '') +
    (absent.length > 0 ? `; not found even scrolling up: ${absent.join(', ')}` : '')
  )
}

export async function measureChatLatency(
  browser: Browser,
  appUrl: string,
  options: LatencyOptions,
): Promise<LatencyResult[]> {
  const devices = await threeMembers(browser, appUrl, options.flags)
  try {
    options.log('three members joined, chat open on each')
    return await measureOn(devices, options)
  } finally {
    await Promise.all(devices.map((d) => d.context.close()))
  }
}

/** How long the pages' idle CPU is measured before each round (`LatencyResult.idleCores`). */
const IDLE_PROBE_MS = 3000

const others = (shares: PlannedSend[][], count: number) => shares.map((s) => count - s.length)

/** The warm-up, then one measured round per CPU rate, on members whose chat is open. */
export async function measureOn(
  devices: Device[],
  options: LatencyOptions,
): Promise<LatencyResult[]> {
  const meters = await Promise.all(devices.map((d) => RendererMeter.attach(d.page)))
  const browser = devices[0]!.context.browser()
  if (!browser) throw new Error("the members' pages are not in a launched browser")
  const cpu = await RenderersCpu.attach(browser)
  try {
    for (const d of devices) {
      await d.page.evaluate(NAME_SHIM)
      await d.page.evaluate(installArrivalProbe)
      await d.page.evaluate(installLongTaskProbe)
      await d.page.evaluate(installFrameCounter)
    }
    const warm = await sendRound(devices, 0, options.warmup, options.gapMs)
    await allShown(devices, 0, warm.shares, 60_000)
    if (options.idleMs) await measureIdle(devices, cpu, options)
    const results: LatencyResult[] = []
    let first = options.warmup
    for (const rate of options.cpuRates) {
      await Promise.all(meters.map((m) => m.throttle(rate)))
      const idleCores = await idleCoresNow(cpu)
      results.push({
        ...(await measureRound(devices, meters, cpu, first, rate, options)),
        idleCores,
      })
      first += options.messages
    }
    await Promise.all(meters.map((m) => m.throttle(1)))
    const errors = devices.flatMap((d) => d.errors.map((e) => `${d.name}: ${e}`))
    if (errors.length > 0) options.log(`page errors:\n  ${errors.join('\n  ')}`)
    return results
  } finally {
    await Promise.all([...meters.map((m) => m.detach()), cpu.detach()])
  }
}

/** Cores the renderers keep busy over `IDLE_PROBE_MS` (see `LatencyResult.idleCores`). */
async function idleCoresNow(cpu: RenderersCpu): Promise<number> {
  const before = await cpu.read()
  const from = performance.now()
  await new Promise((resolve) => setTimeout(resolve, IDLE_PROBE_MS))
  return cpuBetween(before, await cpu.read()).ms / (performance.now() - from)
}

/** Renderer CPU of open chats with no messages arriving (timers, polling, animations). */
async function measureIdle(devices: Device[], cpu: RenderersCpu, options: LatencyOptions) {
  const ms = options.idleMs ?? 0
  // Trailing receipts of the warm-up settle first.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const before = await cpu.read()
  const browser = devices[0]!.context.browser()
  if (options.idleTrace && browser) await startTrace(browser)
  await Promise.all(devices.map((d) => d.page.evaluate(watchIdleChanges)))
  await new Promise((resolve) => setTimeout(resolve, ms))
  const changes = await Promise.all(devices.map((d) => d.page.evaluate(takeIdleChanges)))
  if (options.idleTrace && browser) await stopTrace(browser, options.idleTrace)
  const spent = cpuBetween(before, await cpu.read())
  const perPageAndSecond = spent.ms / devices.length / (ms / 1000)
  const seconds = (ms / 1000) * devices.length
  const byTarget = new Map<string, number>()
  for (const c of changes) {
    for (const [target, n] of Object.entries(c.mutations))
      byTarget.set(target, (byTarget.get(target) ?? 0) + n)
  }
  const mutations = [...byTarget]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([target, n]) => `${target} ${(n / seconds).toFixed(2)}`)
  options.log(
    `idle: renderer CPU ${perPageAndSecond.toFixed(1)} ms per second per page over ${ms} ms` +
      (options.idleTrace ? ` (traced: ${options.idleTrace})` : '') +
      '; DOM changes per page and second: ' +
      (mutations.length > 0 ? mutations.join(', ') : 'none'),
  )
}

/** Starts a Chromium trace of the browser's renderers (stopTrace writes it). */
async function startTrace(browser: Browser) {
  await browser.startTracing(undefined, {
    categories: [
      'toplevel',
      'devtools.timeline',
      'disabled-by-default-devtools.timeline',
      'blink',
      'cc',
      'v8',
      'disabled-by-default-v8.gc',
    ],
  })
}

async function stopTrace(browser: Browser, path: string) {
  writeFileSync(path, await browser.stopTracing())
}

async function measureRound(
  devices: Device[],
  meters: RendererMeter[],
  cpu: RenderersCpu,
  first: number,
  rate: number,
  options: LatencyOptions,
): Promise<Omit<LatencyResult, 'idleCores'>> {
  const profiled = options.profile?.rate === rate ? meters[0] : undefined
  await profiled?.startProfile()
  await Promise.all(devices.map((d) => d.page.evaluate(takeLongTasks)))
  await Promise.all(devices.map((d) => d.page.evaluate(takeFramesSent)))
  const before = await Promise.all(meters.map((m) => m.busy()))
  const cpuBefore = await cpu.read()
  const cpuFrom = performance.now()
  const trace = options.trace?.rate === rate ? options.trace : undefined
  const browser = devices[0]!.context.browser()
  if (trace && browser) await startTrace(browser)
  const detailed = rate === (options.detailRate ?? 1)
  const hops = detailed ? process.env.PEERPLACE_CHAT_HOPS : undefined
  if (hops) await startHops(devices.map((d) => d.page))
  // `PEERPLACE_CHAT_WORKER_PROFILE=<prefix>`: CPU profiles of the documents workers.
  const workerProfile = detailed ? process.env.PEERPLACE_CHAT_WORKER_PROFILE : undefined
  const workers =
    workerProfile && browser ? await WorkerProfiler.attach(browser, 'documents-worker') : undefined
  await workers?.start(500)
  const round = await sendRound(devices, first, options.messages, options.gapMs)
  const probes = await allShown(devices, first, round.shares, 60_000 * rate)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  if (workers && workerProfile)
    options.log(`worker profiles: ${(await workers.stop(workerProfile)).join(', ')}`)
  if (hops)
    options.log(
      `hops (${hops}):\n${await takeHops(
        devices.map((d) => d.page),
        hops,
      )}`,
    )
  const after = await Promise.all(meters.map((m) => m.busy()))
  const cpuSpent = cpuBetween(cpuBefore, await cpu.read())
  const cpuSpanMs = performance.now() - cpuFrom
  if (trace && browser) {
    await stopTrace(browser, trace.path)
    options.log(
      `trace of the round at rate ${rate} (${options.messages} messages, ${devices.length} ` +
        `pages: npx tsx bench/trace-summary.ts ${trace.path} ` +
        `${options.messages * devices.length}): ${trace.path}`,
    )
  }
  if (cpuSpent.ended > 0) {
    options.log(
      `${cpuSpent.ended} renderer processes ended during the round: their CPU is not counted`,
    )
  }
  const tasksByPage = await Promise.all(devices.map((d) => d.page.evaluate(takeLongTasks)))
  const longTasks = tasksByPage.flat().map((t) => t.duration)
  const sent = await Promise.all(devices.map((d) => d.page.evaluate(takeFramesSent)))
  const perPageAndMessage = (total: number) => total / devices.length / options.messages
  if (profiled && options.profile) {
    await profiled.stopProfile(options.profile.path)
    // The profiled page's long tasks on the profile's clock (microseconds), to find them in it.
    const offset = await profiled.profileClockOffset(devices[0]!.page)
    const tasks = tasksByPage[0]!.map((t) => ({
      start: Math.round((t.start + offset) * 1000),
      duration: Math.round(t.duration * 1000),
    }))
    writeFileSync(`${options.profile.path}.longtasks.json`, JSON.stringify(tasks))
    options.log(`profile of ${devices[0]!.name}'s page at rate ${rate}: ${options.profile.path}`)
  }
  const spent = after.map((a, i) => busyBetween(before[i]!, a))
  const perMessage = (field: keyof BusyTime) =>
    spent.reduce((sum, s) => sum + s[field], 0) / spent.length / options.messages
  const latencies: number[] = []
  let last = 0
  probes.forEach((list) => {
    for (const { text, at } of list) {
      latencies.push(at - Number(PROBE_TEXT.exec(text)![3]))
      last = Math.max(last, at)
    }
  })
  return {
    rate,
    latencies,
    lateness: round.lateness,
    durationMs: last - round.start,
    longestTaskMs: Math.max(0, ...longTasks),
    longTasks: longTasks.length,
    longTaskDurations: [...longTasks].sort((a, b) => b - a),
    taskMsPerMessage: perMessage('taskMs'),
    scriptMsPerMessage: perMessage('scriptMs'),
    layoutsPerMessage: perMessage('layouts'),
    cpuMsPerMessage: cpuSpent.ms / devices.length / options.messages,
    rendererCores: cpuSpent.ms / cpuSpanMs,
    framesPerMessage: perPageAndMessage(sent.reduce((sum, s) => sum + s.frames, 0)),
    bytesPerMessage: perPageAndMessage(sent.reduce((sum, s) => sum + s.bytes, 0)),
    framesByKind: Object.fromEntries(
      [...new Set(sent.flatMap((s) => Object.keys(s.byKind)))].map((kind) => [
        kind,
        perPageAndMessage(sent.reduce((sum, s) => sum + (s.byKind[kind] ?? 0), 0)),
      ]),
    ),
  }
}
