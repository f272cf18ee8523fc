/**
 * `workplace.join_ms`: an invite link opened in a fresh browser -> the workplace's name and
 * members shown. `sync.catchup_ms`: a member away while 1,000 changes were made reopens the
 * app -> its document heads equal everyone else's.
 */
import type { Browser, Page } from 'playwright-core'
import { decodeWorkplaceLink } from '../src/crdt/workplace/invite-link.ts'
import { startNodeDevice } from '../tests/e2e/support/node-device.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const JOIN_RUNS = 5
const CHANGES = 1000
/** The longest any one wait may take before the benchmark fails, naming what it waited for. */
const WAIT_MS = 120_000

/** Throws once `started` (from Date.now()) is more than WAIT_MS ago. */
function checkDeadline(started: number, what: string): void {
  if (Date.now() - started > WAIT_MS) throw new Error(`no ${what} within ${WAIT_MS} ms`)
}

async function newPage(browser: Browser, url: string) {
  const context = await browser.newContext()
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

async function invite(page: Page): Promise<string> {
  const field = page.getByTestId('invite-link')
  const previous = (await field.count()) > 0 ? await field.inputValue() : ''
  await page.getByLabel('Uses').selectOption({ label: '1 person' })
  await page.getByRole('button', { name: 'Create invite link' }).click()
  const started = Date.now()
  for (;;) {
    const value = await field.inputValue()
    if (value && value !== previous) return value
    checkDeadline(started, 'new invite link')
    await page.waitForTimeout(10)
  }
}

const headsOf = (page: Page) => page.getByTestId('workplace').getAttribute('data-heads')

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
  await createWorkplace(owner.page, 'Bench')

  const joins: number[] = []
  for (let i = 0; i < JOIN_RUNS; i++) {
    const link = await invite(owner.page)
    const context = await browser.newContext()
    const page = await context.newPage()
    const start = performance.now()
    await page.goto(link)
    await page.getByTestId('workplace-name').filter({ hasText: 'Bench' }).waitFor()
    await page.getByTestId('tab-people').click()
    await page
      .getByTestId('member-name')
      .nth(i + 1)
      .waitFor()
    joins.push(performance.now() - start)
    ctx.log(`join ${i + 1}: ${joins.at(-1)!.toFixed(0)} ms`)
    await context.close()
  }

  // Catch-up: a returning member, 1,000 changes made while it was away.
  const member = await newPage(browser, await invite(owner.page))
  await member.page.getByTestId('workplace-name').filter({ hasText: 'Bench' }).waitFor()
  const writer = await startNodeDevice(url, 'Writer')
  const writerLink = decodeWorkplaceLink(await invite(owner.page))
  writer.stack.joins.start(writerLink)
  const joinStarted = Date.now()
  while (!writer.stack.workplaces.get(writerLink.workplace)) {
    checkDeadline(joinStarted, 'workplace on the writer device')
    await new Promise((r) => setTimeout(r, 20))
  }
  await member.page.close()
  const wp = writer.stack.workplaces.get(writerLink.workplace)!
  for (let i = 0; i < CHANGES; i++) {
    wp.handle.change((doc) => {
      doc.description = `change ${i}`
    })
  }
  const target = async () => {
    const started = Date.now()
    for (;;) {
      checkDeadline(started, `change ${CHANGES - 1} on the owner's screen`)
      const heads = await headsOf(owner.page)
      if (
        heads &&
        (await owner.page.getByTestId('workplace-description').textContent()) ===
          `change ${CHANGES - 1}`
      ) {
        return heads
      }
      await owner.page.waitForTimeout(20)
    }
  }
  const ownerHeads = await target()
  const page = await member.context.newPage()
  const start = performance.now()
  const catchupStarted = Date.now()
  await page.goto(url)
  await page.getByTestId('open-workplace').filter({ hasText: 'Bench' }).click()
  while (!sameShared(await headsOf(page), ownerHeads)) {
    // A stalled sync fails here instead of looping forever.
    checkDeadline(catchupStarted, 'catch-up: member heads equal to the owner’s')
    await page.waitForTimeout(10)
  }
  const catchup = performance.now() - start
  ctx.log(`catch-up after ${CHANGES} changes: ${catchup.toFixed(0)} ms`)
  await writer.close()
  await member.context.close()
  await owner.context.close()
  return [
    { name: 'workplace.join_ms', value: Math.round(median(joins)), unit: 'ms', runs: joins.length },
    { name: 'sync.catchup_ms', value: Math.round(catchup), unit: 'ms', runs: 1 },
  ]
}
