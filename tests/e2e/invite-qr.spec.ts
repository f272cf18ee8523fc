import { execFileSync } from 'node:child_process'
import { expect, test } from '@playwright/test'
import { decodeWorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'
import { openDevice, trackDevices } from './support/device.ts'
import { createInvite, createWorkplace } from './support/workplace.ts'

const devices = trackDevices()

/** Debian's zbarimg reads the code: a decoder the app itself does not use. */
function zbarimg(): string {
  const found = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v zbarimg'], { encoding: 'utf8' }).trim()
    } catch {
      return ''
    }
  }
  if (!found() && process.getuid?.() === 0) {
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq zbar-tools'], {
      stdio: 'ignore',
      timeout: 300_000,
    })
  }
  const path = found()
  if (!path) throw new Error('zbarimg is missing: install Debian zbar-tools')
  return path
}

test('the invite QR code on a phone decodes to a short link that still lets someone in', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const reader = zbarimg()
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  })
  const page = await context.newPage()
  await page.goto('/')
  await page.getByTestId('device-menu-toggle').click()
  await page.getByRole('button', { name: 'Name this device' }).click()
  await page.getByLabel('Device name').fill('Ann')
  await page.getByLabel('Device name').press('Enter')
  await page.keyboard.press('Escape')
  const name = 'Dockside — Überseehafen harbour team'
  await createWorkplace(page, name)
  await createInvite(page, '10 people', '7 days')

  const qr = page.getByTestId('invite-qr')
  await qr.scrollIntoViewIfNeeded()
  const drawn = await qr.evaluate((canvas: HTMLCanvasElement) => ({
    css: canvas.getBoundingClientRect().width,
    pixels: canvas.width,
    modules: Number(canvas.dataset.modules),
    level: canvas.dataset.level,
    link: canvas.dataset.link ?? '',
  }))
  // As wide as the phone allows, whole device pixels per module, error correction M.
  expect(drawn.css).toBeGreaterThan(300)
  expect(drawn.pixels).toBe(Math.round(drawn.css * 3))
  expect(drawn.pixels % drawn.modules).toBe(0)
  expect(drawn.level).toBe('M')

  // Wholly inside its scrolling panel: content above it may still grow after the first scroll
  // (a CI screenshot once had the bottom of the code under the tab bar, and it did not decode).
  await expect
    .poll(
      () =>
        qr.evaluate((canvas: HTMLCanvasElement) => {
          canvas.scrollIntoView({ block: 'center' })
          const box = canvas.getBoundingClientRect()
          const panel = canvas.closest('[role="tabpanel"]')?.getBoundingClientRect()
          const [top, bottom] = panel ? [panel.top, panel.bottom] : [0, innerHeight]
          return box.top >= top && box.bottom <= bottom
        }),
      { timeout: 10_000 },
    )
    .toBe(true)
  const shot = test.info().outputPath('invite-qr.png')
  await qr.screenshot({ path: shot })
  const read = execFileSync(reader, ['--raw', '-q', shot], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim()
  expect(read).toBe(drawn.link)
  const link = decodeWorkplaceLink(read)
  expect(link.name).toBe('')
  expect(link.invite).toBeDefined()
  expect(read.length).toBeLessThan((await page.getByTestId('invite-link').inputValue()).length)

  // Whoever scans it joins, and learns the name from the members.
  const bob = await openDevice(browser, 'Bob', read)
  devices.push(bob)
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined', {
    timeout: 60_000,
  })
  await expect(bob.page.getByTestId('workplace-name')).toHaveText(name)
  await context.close()
})
