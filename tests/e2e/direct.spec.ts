import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import type { SignalingServer } from '../../signaling/server.ts'
import { storeSettings } from './support/device.ts'
import { expect, test } from './support/test-server.ts'

// Two devices that share no workplace, each a browser context of its own, on the direct test
// page (the app's session, files service and DirectPanel; see tests/harness/direct-page.ts). They are on one
// machine, so the relay counts both as nearby. Vite serves the page from source; the relay runs
// in process.
let relay: SignalingServer
let pageUrl: string
let brokerUrl: string

const XSS = '<img src=x onerror="window.__xss=1">'

test.beforeAll(({ testServer }) => {
  relay = testServer.relay
  brokerUrl = testServer.brokerUrl
  pageUrl = testServer.pageUrl('direct-page.html')
})

interface DirectDevice {
  context: BrowserContext
  page: Page
  peerId: string
  errors: string[]
}

async function openPage(device: Omit<DirectDevice, 'page' | 'peerId'>): Promise<Page> {
  const page = await device.context.newPage()
  page.on('pageerror', (error) => device.errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') device.errors.push(message.text())
  })
  // The first load waits for Vite to prepare the page's modules from source.
  await page.goto(pageUrl, { timeout: 90_000 })
  await page.waitForFunction(() => 'directPage' in window, undefined, { timeout: 30_000 })
  return page
}

async function openDevice(browser: Browser, name: string): Promise<DirectDevice> {
  const context = await browser.newContext({ acceptDownloads: true })
  await storeSettings(context, { relays: [relay.relayUrl], peerjs: brokerUrl })
  // Saving falls back to a download (no save dialog to drive), which the test can read.
  await context.addInitScript(() => {
    delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
  })
  const base = { context, errors: [] as string[] }
  const page = await openPage(base)
  await page.evaluate((n) => window.directPage.setName(n), name)
  const peerId = await page.evaluate(() => window.directPage.peerId)
  return { ...base, page, peerId }
}

/** The entry of `other` under Nearby on `device`'s page. */
function nearbyEntry(device: DirectDevice, other: DirectDevice) {
  return device.page.getByTestId('direct-nearby').locator(`[data-peer-id="${other.peerId}"]`)
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

test('two devices with no workplace meet under Nearby, exchange a message and a file, decline one, and invite', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const ana = await openDevice(browser, 'Ana')
  const ben = await openDevice(browser, `Ben ${XSS}`)
  try {
    // Each sees the other nearby, by the name its hello gave.
    await expect(nearbyEntry(ana, ben).getByTestId('direct-peer-name')).toHaveText(`Ben ${XSS}`, {
      timeout: 30_000,
    })
    await expect(nearbyEntry(ben, ana).getByTestId('direct-peer-name')).toHaveText('Ana')

    // A message, shown as text on the other side and delivered on this one.
    await nearbyEntry(ana, ben).click()
    await expect(ana.page.getByTestId('direct-conversation-status')).toHaveText('Connected')
    const text = `Hi Ben ${XSS} see https://example.org/a`
    await ana.page.getByTestId('direct-input').fill(text)
    await ana.page.getByTestId('direct-send').click()
    await expect(ana.page.getByTestId('direct-delivery')).toHaveText('Delivered')
    await expect(nearbyEntry(ben, ana).getByTestId('direct-unread')).toHaveText('1')
    await nearbyEntry(ben, ana).click()
    await expect(ben.page.getByTestId('direct-message-text')).toHaveText(text)
    await expect(ben.page.getByTestId('direct-message-text').locator('a')).toHaveAttribute(
      'rel',
      'noopener noreferrer',
    )
    // Both see the same safety number.
    await ana.page.getByText('Safety number').click()
    await ben.page.getByText('Safety number').click()
    const number = await ana.page.getByTestId('direct-safety-number').textContent()
    expect(number).toMatch(/^\d{4} \d{4} \d{4}$/)
    await expect(ben.page.getByTestId('direct-safety-number')).toHaveText(number!)

    // A file the receiver accepts: the bytes it saves are the bytes sent.
    const original = randomBytes(300 * 1024 + 17)
    const fileName = `report ${XSS}.bin`
    await ana.page
      .getByTestId('direct-file-input')
      .setInputFiles({ name: fileName, mimeType: 'application/octet-stream', buffer: original })
    const offer = ben.page.getByTestId('direct-file').first()
    await expect(offer.getByTestId('direct-file-name')).toHaveText(fileName)
    await expect(offer.getByTestId('direct-file-size')).toHaveText('300 KB')
    await expect(offer).toHaveAttribute('data-state', 'offered')
    expect(await ana.page.evaluate(() => window.directPage.bytesUploaded())).toBe(0)
    await offer.getByTestId('direct-file-accept').click()
    await expect(offer).toHaveAttribute('data-state', 'received', { timeout: 30_000 })
    await expect(ana.page.getByTestId('direct-file').first()).toHaveAttribute(
      'data-state',
      'received',
    )
    const [download] = await Promise.all([
      ben.page.waitForEvent('download'),
      offer.getByTestId('direct-file-save').click(),
    ])
    expect(download.suggestedFilename()).toContain('report')
    const saved = await readFile((await download.path())!)
    expect(sha256(saved)).toBe(sha256(original))
    const uploaded = await ana.page.evaluate(() => window.directPage.bytesUploaded())
    expect(uploaded).toBe(original.length)

    // A declined file moves no bytes.
    await ana.page.getByTestId('direct-file-input').setInputFiles({
      name: 'declined.bin',
      mimeType: 'application/octet-stream',
      buffer: randomBytes(200 * 1024),
    })
    const second = ben.page.getByTestId('direct-file').nth(1)
    await expect(second).toHaveAttribute('data-state', 'offered')
    const declinedId = (await second.getAttribute('data-file-id'))!
    await second.getByTestId('direct-file-decline').click()
    await expect(ana.page.getByTestId('direct-file').nth(1)).toHaveAttribute(
      'data-state',
      'declined',
    )
    await ana.page.waitForTimeout(500)
    expect(await ana.page.evaluate(() => window.directPage.bytesUploaded())).toBe(uploaded)
    expect(await ben.page.evaluate((id) => window.directPage.holds(id), declinedId)).toBe(false)

    // One click invites the nearby device into a workplace; it sees who and where, and joins.
    await ana.page.getByTestId('direct-invite-send').click()
    const invite = ben.page.getByTestId('direct-invite')
    await expect(invite.getByTestId('direct-invite-from')).toHaveText('Ana')
    await expect(invite.getByTestId('direct-invite-workplace')).toHaveText('Acme <b>Inc</b>')
    await invite.getByTestId('direct-invite-join').click()
    await expect
      .poll(() => ben.page.evaluate(() => window.directPage.joined))
      .toEqual([expect.stringMatching(/#join=wp-e2e$/)])

    // The conversation is kept on the device: a reload shows it again.
    await ben.page.close()
    ben.page = await openPage(ben)
    await ben.page
      .getByTestId('direct-panel')
      .locator(`[data-peer-id="${ana.peerId}"]`)
      .first()
      .click()
    await expect(ben.page.getByTestId('direct-message-text')).toHaveText(text)
    await expect(ben.page.getByTestId('direct-file')).toHaveCount(2)
    await expect(ben.page.getByTestId('direct-file').first()).toHaveAttribute(
      'data-state',
      'received',
    )

    // Names, texts and file names stayed inert text.
    for (const page of [ana.page, ben.page]) {
      expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined()
      await expect(page.getByTestId('direct-panel').locator('img, b')).toHaveCount(0)
    }
    expect(ana.errors).toEqual([])
    expect(ben.errors).toEqual([])
  } finally {
    await ana.context.close()
    await ben.context.close()
  }
})
