/**
 * `workplace.join_ms`: an invite link opened in a fresh browser -> the workplace's name and
 * members shown. `sync.catchup_ms`: a member away while 1,000 changes were made reopens the
 * app -> its document heads equal the owner's (median over the rounds that made it).
 * `sync.catchup_stalls`: rounds out of 20 in which a step missed its 15 s deadline; each such
 * miss prints the step and every device's sync state.
 */
import * as Automerge from '@automerge/automerge'
import { writeFileSync } from 'node:fs'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { decodeWorkplaceLink } from '../src/crdt/workplace/invite-link.ts'
import type { Workplace } from '../src/crdt/workplace/workplace.ts'
import { startNodeDevice } from '../tests/e2e/support/node-device.ts'
import { CatchupTrace } from './catchup-trace.ts'
import { median, type BenchContext, type Metric } from './harness.ts'
import { watchPage, type PageWatch } from './page-watch.ts'
import {
  nodeDevice,
  pageDevice,
  pollUntil,
  StallError,
  step,
  type ReportingDevice,
} from './sync-deadline.ts'

const JOIN_RUNS = 5
const CHANGES = 1000
/** `WORKPLACE_BENCH_ROUNDS` repeats the catch-up more (or fewer) times while looking into it. */
const ROUNDS = Number(process.env['WORKPLACE_BENCH_ROUNDS'] ?? 20)
/** `WORKPLACE_BENCH_CPU_THROTTLE` (e.g. 4) slows the returning member's page by that factor. */
const CPU_THROTTLE = Number(process.env['WORKPLACE_BENCH_CPU_THROTTLE'] ?? 1)
/** `WORKPLACE_BENCH_PROFILE=<prefix>` writes the member page's CPU profile of each round. */
const PROFILE_TO = process.env['WORKPLACE_BENCH_PROFILE']
/** `WORKPLACE_BENCH_TRACE=1` prints the member page's console (with times) after each round. */
const TRACE = Boolean(process.env['WORKPLACE_BENCH_TRACE'])
/** `WORKPLACE_BENCH_MARKS=1` prints every start-up mark of the member's page after each round. */
const MARKS = Boolean(process.env['WORKPLACE_BENCH_MARKS'])
/** A catch-up round's steps each have this long. */
const ROUND_DEADLINE_MS = 15_000
/** Setting up (creating, inviting, joining) has this long per step. */
const SETUP_DEADLINE_MS = 60_000

async function newPage(browser: Browser, url: string) {
  const context = await browser.newContext()
  context.setDefaultTimeout(SETUP_DEADLINE_MS)
  const page = await context.newPage()
  await page.goto(url)
  return { context, page }
}

async function createWorkplace(page: Page, name: string) {
  await page.getByTestId('new-workplace-name').fill(name)
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  await page.getByTestId('workplace-name').filter({ hasText: name }).waitFor()
  await page.getByTestId('tab-people').click()
}

async function invite(page: Page, devices: () => readonly ReportingDevice[]): Promise<string> {
  const field = page.getByTestId('invite-link')
  const previous = (await field.count()) > 0 ? await field.inputValue() : ''
  await page.getByLabel('Uses').selectOption({ label: '1 person' })
  await page.getByRole('button', { name: 'Create invite link' }).click()
  return pollUntil(
    'a new invite link to show',
    SETUP_DEADLINE_MS,
    () => field.inputValue(),
    (value) => value !== '' && value !== previous,
    devices,
  )
}

const headsOf = (page: Page) => page.getByTestId('workplace').getAttribute('data-heads')

/**
 * The workplace root's entry as a page's `data-heads` lists it: Automerge's own (hex) heads, as
 * the sync status reports them, not the handle's URL-encoded ones.
 */
function rootHeads(wp: Workplace): string {
  return `${wp.handle.documentId}:${[...Automerge.getHeads(wp.handle.doc())].sort().join('.')}`
}

/** Same heads for every document both pages have open (one may not have opened a chat shard). */
function sameShared(a: string | null, b: string | null): boolean {
  const parse = (s: string | null) =>
    new Map(
      (s ?? '')
        .split(' ')
        .filter(Boolean)
        .map((e) => [e.split(':')[0], e] as const),
    )
  const [x, y] = [parse(a), parse(b)]
  const shared = [...x.keys()].filter((doc) => y.has(doc))
  return shared.length > 0 && shared.every((doc) => x.get(doc) === y.get(doc))
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const { url } = await ctx.server()
  const browser = await ctx.browser()
  const owner = await newPage(browser, url)
  owner.page.on('crash', () => ctx.log('owner page crashed'))
  owner.page.on('close', () => ctx.log('owner page closed'))
  owner.page.on('console', (m) => m.type() === 'error' && ctx.log(`owner: ${m.text()}`))
  let devices: ReportingDevice[] = [pageDevice('owner', () => owner.page)]
  const everyone = () => devices
  await createWorkplace(owner.page, 'Bench')

  const joins: number[] = []
  for (let i = 0; i < JOIN_RUNS; i++) {
    const link = await invite(owner.page, everyone)
    const context = await browser.newContext()
    context.setDefaultTimeout(SETUP_DEADLINE_MS)
    const page = await context.newPage()
    const joiner = pageDevice(`joiner ${i + 1}`, () => page)
    const start = performance.now()
    await step(
      `joiner ${i + 1} to show the workplace and its members`,
      async () => {
        await page.goto(link)
        await page.getByTestId('workplace-name').filter({ hasText: 'Bench' }).waitFor()
        await page.getByTestId('tab-people').click()
        await page
          .getByTestId('member-name')
          .nth(i + 1)
          .waitFor()
      },
      () => [...devices, joiner],
    )
    joins.push(performance.now() - start)
    ctx.log(`join ${i + 1}: ${joins.at(-1)!.toFixed(0)} ms`)
    await context.close()
  }

  const catchup = await catchUpRounds(ctx, browser, url, owner, (d) => (devices = d))
  await owner.context.close()
  return [
    { name: 'workplace.join_ms', value: Math.round(median(joins)), unit: 'ms', runs: joins.length },
    ...(catchup.times.length > 0
      ? [
          {
            name: 'sync.catchup_ms',
            value: Math.round(median(catchup.times)),
            unit: 'ms' as const,
            runs: catchup.times.length,
          },
        ]
      : []),
    { name: 'sync.catchup_stalls', value: catchup.stalls, unit: 'count', runs: ROUNDS },
  ]
}

/**
 * A member joins and goes away; each round a Node device of the project's stack makes 1,000
 * changes to the root document, the owner's page shows the last one, and the member's page
 * reopens until its heads equal the owner's.
 */
async function catchUpRounds(
  ctx: BenchContext,
  browser: Browser,
  url: string,
  owner: { context: BrowserContext; page: Page },
  setDevices: (devices: ReportingDevice[]) => void,
): Promise<{ times: number[]; stalls: number }> {
  let memberPage: Page | undefined
  const writer = await startNodeDevice(url, 'Writer')
  const devices = [
    pageDevice('owner', () => owner.page),
    pageDevice('member', () => memberPage),
    nodeDevice('writer', writer),
  ]
  setDevices(devices)
  const everyone = () => devices
  const member = await newPage(browser, await invite(owner.page, everyone))
  memberPage = member.page
  await step(
    'the member to show the workplace',
    () => member.page.getByTestId('workplace-name').filter({ hasText: 'Bench' }).waitFor(),
    everyone,
  )
  const writerLink = decodeWorkplaceLink(await invite(owner.page, everyone))
  writer.stack.joins.start(writerLink)
  const joined = await pollUntil(
    'the writer to join',
    SETUP_DEADLINE_MS,
    async () => writer.stack.workplaces.get(writerLink.workplace),
    Boolean,
    everyone,
  )
  const wp = joined!
  if (TRACE) {
    const ownerId = (await devices[0]!.report())?.self
    ctx.log(`owner ${ownerId?.slice(0, 4)}, writer ${writer.identity.peerId.slice(0, 4)}`)
  }
  await member.page.close()
  memberPage = undefined

  const times: number[] = []
  const trace = new CatchupTrace()
  let stalls = 0
  let watch: PageWatch | undefined
  let cdp: CDPSession | undefined
  let stopFollowing: (() => void) | undefined
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < CHANGES; i++) {
        wp.handle.change((doc) => {
          doc.description = `round ${round} change ${i}`
        })
      }
      try {
        // The page shows only a description an owner signed, never a member's plain one: the
        // owner has the writer's changes when both hold the same root (read afresh each time).
        await pollUntil(
          `round ${round}: the owner to hold the writer's ${CHANGES} changes`,
          ROUND_DEADLINE_MS,
          async () => [await headsOf(owner.page), rootHeads(wp)] as const,
          ([owners, writers]) => sameShared(owners, writers),
          everyone,
        )
        const before = await headsOf(owner.page)
        memberPage = await member.context.newPage()
        const page = memberPage
        watch = watchPage(page)
        stopFollowing = TRACE ? watch.followSync() : undefined
        cdp = CPU_THROTTLE > 1 || PROFILE_TO ? await member.context.newCDPSession(page) : undefined
        if (CPU_THROTTLE > 1) {
          await cdp?.send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLE })
        }
        if (PROFILE_TO) {
          await cdp?.send('Profiler.enable')
          await cdp?.send('Profiler.setSamplingInterval', { interval: 500 })
          await cdp?.send('Profiler.start')
        }
        const [start, startedAt] = [performance.now(), Date.now()]
        await page.goto(url)
        const loaded = performance.now()
        await step(
          `round ${round}: the member to reopen the workplace`,
          () =>
            page
              .getByTestId('open-workplace')
              .filter({ hasText: 'Bench' })
              .click({ timeout: ROUND_DEADLINE_MS }),
          everyone,
        )
        const opened = performance.now()
        // The owner's heads are read each time: either page may write (say, its storage offer).
        const [final] = await pollUntil(
          `round ${round}: the member's heads to equal the owner's`,
          ROUND_DEADLINE_MS - (performance.now() - start),
          async () => [await headsOf(page), await headsOf(owner.page)] as const,
          ([mine, owners]) => sameShared(mine, owners),
          everyone,
          10,
        )
        times.push(performance.now() - start)
        // Before this benchmark read the owner's heads afresh, it compared with `before` alone.
        if (!sameShared(final, before)) {
          ctx.log(`round ${round}: the owner's heads moved while the member caught up`)
        }
        // Where the time went: loading the page, opening the workplace, syncing once open.
        const [load, open, sync] = [loaded - start, opened - loaded, start + times.at(-1)! - opened]
        ctx.log(
          `round ${round}: catch-up after ${CHANGES} changes: ${times.at(-1)!.toFixed(0)} ms ` +
            `(page load ${load.toFixed(0)}, open ${open.toFixed(0)}, heads equal ${sync.toFixed(0)})`,
        )
        const marks = await trace.read(page, startedAt, wp.handle.documentId, times.at(-1)!)
        ctx.log(`  steps (ms): ${trace.line(marks, wp.handle.documentId)}`)
        if (MARKS) {
          ctx.log(marks.map((m) => `${m.at.toFixed(0)} ${m.step} ${m.detail}`).join('\n'))
        }
        if (TRACE) ctx.log(`the member's page:\n${watch.log()}`)
      } catch (error) {
        if (!(error instanceof StallError)) throw error
        stalls++
        ctx.log(`STALL ${error.message}`)
        ctx.log(`the member's page: ${await watch?.probe()}\n${watch?.log()}`)
      } finally {
        if (PROFILE_TO && cdp) {
          const { profile } = await cdp.send('Profiler.stop')
          writeFileSync(`${PROFILE_TO}-round${round}.cpuprofile`, JSON.stringify(profile))
        }
        cdp = undefined
        stopFollowing?.()
        await memberPage?.close()
        memberPage = undefined
        watch = undefined
      }
    }
  } finally {
    await writer.close()
    await member.context.close()
  }
  ctx.log(`catch-up step medians (ms since the page opened): ${trace.medians()}`)
  return { times, stalls }
}
