/**
 * `join.slow_mobile_ms`: an invite link opened in a fresh browser on slow mobile data (150 ms
 * latency, 1.6 Mbit/s down and 750 kbit/s up, emulated through the DevTools protocol) -> the
 * workplace shown as joined. The owner's browser is not throttled. Median of a few runs.
 */
import type { Browser, Page } from 'playwright-core'
import { SLOW_MOBILE } from '../tests/support/slow-mobile.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const RUNS = 3
const NAME = 'Slow bench'
const DEADLINE_MS = 90_000

/** Waits for a visible element with a deadline, failing with what it waited for. */
async function visible(page: Page, testId: string, text: string, what: string): Promise<void> {
  try {
    await page.getByTestId(testId).filter({ hasText: text }).first().waitFor({
      timeout: DEADLINE_MS,
    })
  } catch (error) {
    throw new Error(`waiting for ${what}: ${String(error)}`, { cause: error })
  }
}

async function newInvite(page: Page): Promise<string> {
  const field = page.getByTestId('invite-link')
  const previous = (await field.count()) > 0 ? await field.inputValue() : ''
  await page.getByRole('button', { name: 'Create invite link' }).click({ timeout: DEADLINE_MS })
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    const value = await field.inputValue({ timeout: DEADLINE_MS })
    if (value && value !== previous) return value
    if (Date.now() > deadline) throw new Error('waiting for a new invite link')
    await page.waitForTimeout(20)
  }
}

async function joinOnce(browser: Browser, link: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
  try {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', SLOW_MOBILE)
    const start = performance.now()
    await page.goto(link, { timeout: DEADLINE_MS })
    await visible(page, 'workplace-name', NAME, 'the invitee to have joined')
    return performance.now() - start
  } finally {
    await context.close()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const { url } = await ctx.server()
  const browser = await ctx.browser()
  const owner = await browser.newContext()
  try {
    const page = await owner.newPage()
    await page.goto(url, { timeout: DEADLINE_MS })
    await page.getByTestId('new-workplace-name').fill(NAME, { timeout: DEADLINE_MS })
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await visible(page, 'workplace-name', NAME, 'the owner’s new workplace')
    await page.getByTestId('tab-people').click({ timeout: DEADLINE_MS })

    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      times.push(await joinOnce(browser, await newInvite(page)))
      ctx.log(`join ${i + 1} on slow mobile data: ${times.at(-1)!.toFixed(0)} ms`)
    }
    return [
      { name: 'join.slow_mobile_ms', value: Math.round(median(times)), unit: 'ms', runs: RUNS },
    ]
  } finally {
    await owner.close()
  }
}
