import { expect, test, type BrowserContext, type Page } from '@playwright/test'

/** Collects console errors and uncaught exceptions of a page. */
function collectErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  return errors
}

async function openApp(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage()
  const errors = collectErrors(page)
  await page.goto('/')
  return { page, errors }
}

test('two devices each show their name, their own peer ID and a connected relay', async ({
  browser,
}) => {
  const contexts = [await browser.newContext(), await browser.newContext()]
  try {
    const devices = await Promise.all(contexts.map(openApp))
    const peerIds: string[] = []
    for (const { page } of devices) {
      await expect(page.getByRole('heading', { level: 1, name: 'Peerplace' })).toBeVisible()
      const status = page.getByTestId('signaling-status')
      await expect(status).toHaveAttribute('data-state', 'connected')
      await expect(status).toContainText('Connected')
      // Which relay it meets other devices through is one tap away, under "Device details".
      await expect(status).not.toContainText('/relay')
      await expect(page.getByTestId('signaling-endpoint')).toContainText('/relay')
      await expect(page.getByTestId('linked-count')).toHaveAttribute('data-count', /^\d+$/)
      await expect(page.getByTestId('device-name')).not.toBeEmpty()
      const peerId = await page.getByTestId('peer-id').getAttribute('data-peer-id')
      expect(peerId).toMatch(/^[a-z2-7]{32}$/)
      await expect(page.getByTestId('peer-id')).toHaveText(
        `${peerId!.slice(0, 4)} ${peerId!.slice(4, 8)}`,
      )
      peerIds.push(peerId!)
    }
    expect(peerIds[0]).not.toBe(peerIds[1])

    // Naming one device changes only that one, and survives a reload; the peer ID stays.
    const [first, second] = devices as [(typeof devices)[0], (typeof devices)[0]]
    await first.page.getByRole('button', { name: /name this device|rename/i }).click()
    const input = first.page.getByLabel('Device name')
    await expect(input).toBeFocused()
    await input.fill('  Kitchen   laptop ')
    await input.press('Enter')
    await expect(first.page.getByTestId('device-name')).toHaveText('Kitchen laptop')
    await expect(first.page.getByRole('button', { name: 'Rename' })).toBeFocused()
    await first.page.reload()
    await expect(first.page.getByTestId('device-name')).toHaveText('Kitchen laptop')
    await expect(first.page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', peerIds[0]!)
    await expect(first.page.getByTestId('signaling-status')).toHaveAttribute(
      'data-state',
      'connected',
    )
    await expect(second.page.getByTestId('device-name')).not.toHaveText('Kitchen laptop')

    // An invalid name is refused with a message; Escape leaves the name as it was.
    await first.page.getByRole('button', { name: 'Rename' }).click()
    await first.page.getByLabel('Device name').fill('   ')
    await first.page.getByLabel('Device name').press('Enter')
    await expect(first.page.getByRole('alert')).toContainText(/empty/i)
    await first.page.getByLabel('Device name').press('Escape')
    await expect(first.page.getByTestId('device-name')).toHaveText('Kitchen laptop')

    for (const { errors } of devices) expect(errors).toEqual([])
  } finally {
    await Promise.all(contexts.map((context) => context.close()))
  }
})

test('the first screen fits a 390x844 phone and follows the dark theme', async ({ browser }) => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    colorScheme: 'dark',
    isMobile: true,
    hasTouch: true,
  })
  try {
    const { page, errors } = await openApp(context)
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      background: getComputedStyle(document.body).backgroundColor,
    }))
    expect(layout.scrollWidth).toBeLessThanOrEqual(390)
    expect(layout.background).toBe('rgb(15, 20, 19)')
    const boxes = []
    for (const locator of [
      page.getByRole('heading', { level: 1 }),
      page.getByTestId('signaling-status'),
      page.getByTestId('device-menu-toggle'),
    ]) {
      const box = await locator.boundingBox()
      expect(box).not.toBeNull()
      expect(box!.x).toBeGreaterThanOrEqual(0)
      expect(box!.x + box!.width).toBeLessThanOrEqual(390)
      boxes.push(box!)
    }
    // Nothing in the header overlaps anything else.
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart =
          a.x + a.width <= b.x ||
          b.x + b.width <= a.x ||
          a.y + a.height <= b.y ||
          b.y + b.height <= a.y
        expect(apart, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`).toBe(true)
      }
    }
    // The device's name, tools and details are in the one menu.
    await expect(page.getByTestId('device-name')).toBeHidden()
    await page.getByTestId('device-menu-toggle').click()
    await expect(page.getByTestId('device-name')).toBeVisible()
    await page.getByText('Device details').click()
    for (const id of ['device-name', 'open-settings', 'peer-id', 'signaling-endpoint']) {
      const box = await page.getByTestId(id).boundingBox()
      expect(box, id).not.toBeNull()
      expect(box!.x + box!.width, id).toBeLessThanOrEqual(390)
    }
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('device-name')).toBeHidden()
    expect(errors).toEqual([])
  } finally {
    await context.close()
  }
})
