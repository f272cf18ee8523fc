import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { expect, test, type Page } from '@playwright/test'
import { openDevice, type Device } from './support/device.ts'
import { message, openChat, send } from './support/chat.ts'
import { createInvite, createWorkplace } from './support/workplace.ts'

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: unknown[]; failureSummary?: string }[]
}

/** Wider than the screen means sideways scrolling, which a phone layout must not need. */
async function overflow(page: Page, width: number): Promise<string[]> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth)
  return scrollWidth > width ? [`page is ${scrollWidth}px wide on a ${width}px screen`] : []
}

/** Runs axe-core on the page; returns its serious and critical violations, readably. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated rather than added as a script tag: the app's CSP refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(c: Document, o: object): Promise<unknown> } })
      .axe
    const result = (await axe.run(document, { resultTypes: ['violations'] })) as {
      violations: AxeViolation[]
    }
    return result.violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    )
}

/**
 * Collects what Chromium lists in DevTools' Issues panel for the page (a CSP violation, a form
 * field with neither id nor name, a deprecated API...), as an auditor such as Lighthouse reads
 * it. Issues raised before this is called are reported too.
 */
async function collectIssues(page: Page): Promise<string[]> {
  const issues: string[] = []
  const cdp = await page.context().newCDPSession(page)
  cdp.on('Audits.issueAdded', ({ issue }) => {
    const details = Object.values(issue.details)[0] as Record<string, unknown> | undefined
    issues.push(`${issue.code} ${JSON.stringify(details).slice(0, 300)}`)
  })
  await cdp.send('Audits.enable')
  return issues
}

/** Clicks a device tool, opening the device menu first where it is folded (phones). */
async function openTool(page: Page, name: string): Promise<void> {
  const toggle = page.getByTestId('device-menu-toggle')
  if (await toggle.isVisible()) await toggle.click()
  await page.getByRole('button', { name, exact: true }).click()
}

const devices: Device[] = []
test.afterEach(async () => {
  for (const device of devices.splice(0)) await device.context.close()
})

for (const { label, viewport, colorScheme } of [
  { label: 'desktop, light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { label: 'phone, dark', viewport: { width: 390, height: 844 }, colorScheme: 'dark' },
  { label: 'narrow phone, light', viewport: { width: 320, height: 640 }, colorScheme: 'light' },
] as const) {
  test(`main screens have no serious accessibility violations (${label})`, async ({ browser }) => {
    const ann = await openDevice(browser, 'Ann')
    devices.push(ann)
    const page = ann.page
    const issues = await collectIssues(page)
    await page.setViewportSize(viewport)
    await page.emulateMedia({ colorScheme })
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')

    const screens: Record<string, string[]> = {}
    /** What is wrong with the screen as it is now, under `name`. */
    const look = async (name: string) => {
      screens[name] = [
        ...(await seriousViolations(page)),
        ...(await overflow(page, viewport.width)),
      ]
    }
    await expect(page.getByRole('heading', { name: 'Workplaces' })).toBeVisible()
    await look('first screen')

    for (const [button, dialog, content] of [
      ['Connections', 'Connections', 'diagnostics'],
      ['Settings', 'Settings', 'connection-settings'],
      ['Pair a device', 'Pair a device', 'pairing'],
      ['Scan a code', 'Scan a code', 'scan-code'],
      ['Your data', 'Your data', 'device-data'],
    ] as const) {
      await openTool(page, button)
      await expect(page.getByRole('dialog', { name: dialog })).toBeVisible()
      await expect(page.getByTestId(content)).toBeVisible()
      await look(`${dialog} dialog`)
      await page.keyboard.press('Escape')
      await expect(page.getByRole('dialog', { name: dialog })).toBeHidden()
    }

    await openTool(page, 'Pair a device')
    await page.getByRole('button', { name: 'Show a pairing code' }).click()
    await expect(page.getByTestId('pairing-offer-code-qr')).toBeVisible()
    await look('pairing code shown')
    await page.keyboard.press('Escape')

    await createWorkplace(page, 'Acme')
    await createInvite(page)
    await look('workplace with an invite')

    await openChat(page)
    await send(page, 'Hello')
    await message(page, 'Hello').getByTestId('chat-message-menu').click()
    await expect(message(page, 'Hello').getByTestId('chat-message-actions')).toBeVisible()
    await look('chat with a message menu open')

    await page.keyboard.press('Escape')
    for (const tab of ['files', 'people', 'contacts'] as const) {
      await page.getByTestId(`tab-${tab}`).click()
      await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-selected', 'true')
      await look(`${tab} tab`)
    }
    await page.getByTestId('contacts-new').click()
    await expect(page.getByTestId('contact-input-given')).toBeVisible()
    await look('new contact form')
    await page.getByTestId('contact-input-given').fill('Ada')
    await page.getByTestId('contact-save').click()
    await expect(page.getByTestId('contact-detail')).toBeVisible()
    await look('contact shown')

    for (const [name, found] of Object.entries(screens)) {
      expect(found, `${name} (${label})`).toEqual([])
    }
    expect(issues, 'issues DevTools lists').toEqual([])
    expect(ann.errors).toEqual([])
  })
}

test('the tool bar and its dialogs work from the keyboard', async ({ browser }) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  const page = ann.page
  const settings = page.getByRole('button', { name: 'Settings', exact: true })
  await settings.focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  await expect(dialog).toBeVisible()
  // Focus moves into the dialog and stays there.
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.closest('dialog') !== null))
    .toBe(true)
  // Tab cycles through the dialog (and the browser's own controls); the page behind is inert.
  const visited = new Set<string>()
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab')
    const where = await page.evaluate(() => {
      const active = document.activeElement
      if (!active || active === document.body) return 'outside the page'
      return active.closest('dialog[open]') ? `dialog: ${active.outerHTML.slice(0, 60)}` : 'page'
    })
    expect(where).not.toBe('page')
    visited.add(where)
  }
  expect([...visited].filter((w) => w.startsWith('dialog')).length).toBeGreaterThan(3)
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(settings).toBeFocused()
  expect(ann.errors).toEqual([])
})
