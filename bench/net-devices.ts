/** Relay-only Chromium devices for the network benchmarks (net, hold-cost). */
import type { Browser, Page } from 'playwright-core'

export const DEADLINE_MS = 90_000

/** Waits for visible text under a test ID, failing loudly with what it waited for. */
export async function shown(page: Page, testId: string, text: string, what: string): Promise<void> {
  try {
    await page.getByTestId(testId).filter({ hasText: text }).first().waitFor({
      timeout: DEADLINE_MS,
    })
  } catch (error) {
    throw new Error(`waiting for ${what}: ${String(error)}`, { cause: error })
  }
}

/** A relay-only device with a name, on `url`; `settings` add to its connection settings. */
export async function device(
  browser: Browser,
  url: string,
  name: string,
  settings: Record<string, unknown> = {},
): Promise<Page> {
  const context = await browser.newContext()
  await context.addInitScript(
    (value) => {
      localStorage.setItem('peerplace.connection-settings', value)
    },
    JSON.stringify({ relayOnly: true, ...settings }),
  )
  const page = await context.newPage()
  await page.goto(url, { timeout: DEADLINE_MS })
  await page.getByRole('button', { name: /name this device|rename/i }).click()
  await page.getByLabel('Device name').fill(name)
  await page.getByLabel('Device name').press('Enter')
  await shown(page, 'device-name', name, `the device named ${name}`)
  return page
}

export async function inviteFrom(owner: Page, workplace: string): Promise<string> {
  await owner.getByTestId('new-workplace-name').fill(workplace, { timeout: DEADLINE_MS })
  await owner.getByRole('button', { name: 'Create', exact: true }).click()
  await shown(owner, 'workplace-name', workplace, 'the new workplace')
  await owner.getByTestId('tab-people').click({ timeout: DEADLINE_MS })
  await owner.getByRole('button', { name: 'Create invite link' }).click({ timeout: DEADLINE_MS })
  const deadline = Date.now() + DEADLINE_MS
  for (;;) {
    const link = await owner.getByTestId('invite-link').inputValue({ timeout: DEADLINE_MS })
    if (link.includes('#join=')) return link
    if (Date.now() > deadline) throw new Error('waiting for an invite link')
    await owner.waitForTimeout(20)
  }
}

export async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text, { timeout: DEADLINE_MS })
  await page.getByTestId('chat-send').click({ timeout: DEADLINE_MS })
  await shown(page, 'chat-message-text', text, `"${text}" shown by its sender`)
}
