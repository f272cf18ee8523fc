/**
 * Chat latency in the app: three members in three browser contexts (one workplace, joined by an
 * invite link), messages sent through the composer at a steady pace from all three; the latency
 * of a (message, receiver) pair is from the send on the sender's page to the message's element
 * added on the receiver's page. See bench/chat-latency-probe.ts for what runs in the pages.
 */
import type { Browser } from 'playwright-core'
import { openChat } from '../tests/e2e/support/chat.ts'
import { openDevice, type Device } from '../tests/e2e/support/device.ts'
import { createInvite, createWorkplace, expectMembers } from '../tests/e2e/support/workplace.ts'
import {
  installArrivalProbe,
  NAME_SHIM,
  PROBE_TEXT,
  sendPlanned,
  type Arrival,
  type PlannedSend,
} from './chat-latency-probe.ts'

export interface LatencyOptions {
  messages: number
  /** Gaps between consecutive sends (from any member), uniformly random in this range. */
  gapMs: readonly [number, number]
  /** Messages sent first and not measured (the first shard, compiled code paths). */
  warmup: number
  log: (message: string) => void
}

export interface LatencyResult {
  /** One latency per (message, receiver), in milliseconds. */
  latencies: number[]
  /** How late the sends started against the plan, in milliseconds. */
  lateness: number[]
  durationMs: number
}

/** A small seeded generator (mulberry32), so every run sends on the same schedule. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Which member sends each message, and when (offsets from the start), seeded. */
export function sendPlan(
  count: number,
  members: number,
  gapMs: readonly [number, number],
  seed = 5,
): { sender: number; offset: number }[] {
  const next = random(seed)
  const plan: { sender: number; offset: number }[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    plan.push({ sender: Math.floor(next() * members), offset })
    offset += gapMs[0] + next() * (gapMs[1] - gapMs[0])
  }
  return plan
}

/** Three members of one new workplace, each with the chat tab open. */
export async function threeMembers(browser: Browser, appUrl: string): Promise<Device[]> {
  const ann = await openDevice(browser, 'Ann', appUrl)
  const devices = [ann]
  try {
    await createWorkplace(ann.page, 'Latency')
    const invite = await createInvite(ann.page, '10 people')
    for (const name of ['Bob', 'Cy']) devices.push(await openDevice(browser, name, invite))
    await expectMembers(ann.page, ['Ann', 'Bob', 'Cy'])
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

/** Waits until every page shows the probes numbered from `firstSeq` that the others sent. */
async function allShown(devices: Device[], firstSeq: number, expected: number[]) {
  const deadline = Date.now() + 60_000
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
      throw new Error(`not every message arrived: ${counts}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

export async function measureChatLatency(
  browser: Browser,
  appUrl: string,
  options: LatencyOptions,
): Promise<LatencyResult> {
  const devices = await threeMembers(browser, appUrl)
  try {
    options.log('three members joined, chat open on each')
    return await measureOn(devices, options)
  } finally {
    await Promise.all(devices.map((d) => d.context.close()))
  }
}

/** The warm-up and the measured messages, on members whose chat is open. */
export async function measureOn(
  devices: Device[],
  options: LatencyOptions,
): Promise<LatencyResult> {
  for (const d of devices) {
    await d.page.evaluate(NAME_SHIM)
    await d.page.evaluate(installArrivalProbe)
  }
  const warm = await sendRound(devices, 0, options.warmup, options.gapMs)
  const others = (shares: PlannedSend[][], count: number) => shares.map((s) => count - s.length)
  await allShown(devices, 0, others(warm.shares, options.warmup))

  const first = options.warmup
  const round = await sendRound(devices, first, options.messages, options.gapMs)
  const probes = await allShown(devices, first, others(round.shares, options.messages))
  const latencies: number[] = []
  let last = 0
  probes.forEach((list) => {
    for (const { text, at } of list) {
      latencies.push(at - Number(PROBE_TEXT.exec(text)![3]))
      last = Math.max(last, at)
    }
  })
  const errors = devices.flatMap((d) => d.errors.map((e) => `${d.name}: ${e}`))
  if (errors.length > 0) options.log(`page errors:\n  ${errors.join('\n  ')}`)
  return { latencies, lateness: round.lateness, durationMs: last - round.start }
}
