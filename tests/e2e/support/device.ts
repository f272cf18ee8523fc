import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test'

/** One person's device in a test: a browser context of its own (own IndexedDB), and a page. */
export interface Device {
  name: string
  context: BrowserContext
  page: Page
  /** Console errors and uncaught exceptions seen on any of the device's pages. */
  errors: string[]
  /** Console errors a test expects (e.g. the browser reporting an unreachable relay). */
  allow: RegExp[]
  /** Console warnings of the device's pages (logged reasons: dropped frames, fallbacks). */
  warnings: string[]
  /** Opens a fresh page in the same context (the device coming back; its storage is kept). */
  reopen(url?: string): Promise<Page>
}

function watch(page: Page, errors: string[], allow: RegExp[], warnings: string[] = []): void {
  page.on('console', (message) => {
    const text = message.text()
    if (message.type() === 'warning') warnings.push(text)
    if (message.type() === 'error' && !allow.some((re) => re.test(text))) {
      errors.push(`console: ${text}`)
    }
  })
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
}

/** Connection settings as the app stores them (src/app/settings.ts). */
export interface DeviceSettings {
  firstContact?: 'relay' | 'peerjs' | 'both'
  relays?: string[]
  peerjs?: string
  /** Connect through TURN only. */
  relayOnly?: boolean
  /** The device's own STUN/TURN servers (used instead of those the relay announces). */
  iceServers?: RTCIceServer[]
}

/**
 * Opens the app in a new context and names the device; `settings` are stored first, and `flags`
 * are put in localStorage before the app starts (e.g. `peerplace.chat-worker`).
 */
export async function openDevice(
  browser: Browser,
  name: string,
  url = '/',
  settings?: DeviceSettings,
  flags?: Record<string, string>,
): Promise<Device> {
  const context = await browser.newContext()
  if (settings) await storeSettings(context, settings)
  if (flags) {
    await context.addInitScript((entries) => {
      for (const [key, value] of entries) localStorage.setItem(key, value)
    }, Object.entries(flags))
  }
  const errors: string[] = []
  const allow: RegExp[] = []
  const warnings: string[] = []
  const device: Device = {
    name,
    context,
    page: await context.newPage(),
    errors,
    allow,
    warnings,
    async reopen(to = '/') {
      const page = await context.newPage()
      watch(page, errors, allow, warnings)
      await page.goto(to)
      device.page = page
      return page
    },
  }
  watch(device.page, errors, allow, warnings)
  await device.page.goto(url)
  await nameDevice(device.page, name)
  return device
}

/** Stores connection settings in the context before any of its pages start the app. */
export async function storeSettings(context: BrowserContext, settings: DeviceSettings) {
  await context.addInitScript((value) => {
    localStorage.setItem('peerplace.connection-settings', value)
  }, JSON.stringify(settings))
}

export async function nameDevice(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: /name this device|rename/i }).click()
  const input = page.getByLabel('Device name')
  await input.fill(name)
  await input.press('Enter')
  await expect(page.getByTestId('device-name')).toHaveText(name)
}

export async function peerIdOf(page: Page): Promise<string> {
  const id = await page.getByTestId('peer-id').getAttribute('data-peer-id')
  if (!id) throw new Error('no peer ID shown')
  return id
}

/**
 * The devices a spec file opens: after each test, each must have logged no unexpected error,
 * and its context is closed.
 */
export function trackDevices(): Device[] {
  const devices: Device[] = []
  test.afterEach(async () => {
    for (const device of devices.splice(0)) {
      expect(device.errors, `${device.name} had errors`).toEqual([])
      await device.context.close()
    }
  })
  return devices
}
