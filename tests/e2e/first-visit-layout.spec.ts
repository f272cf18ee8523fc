import { expect, test } from '@playwright/test'

// A first visit: the shell, the device's header (its menu button on a phone, its tool bar on a
// wider screen) and the "saved for offline" notice all arrive after the first paint, and none of
// them may move what is already on screen.
for (const { label, use, menu } of [
  {
    label: 'phone',
    use: { viewport: { width: 412, height: 823 }, isMobile: true, hasTouch: true },
    menu: 'device-menu-toggle',
  },
  // The tool bar in two rows, whatever fits on the first.
  { label: 'tablet', use: { viewport: { width: 1024, height: 768 } }, menu: 'open-settings' },
  // Lighthouse's desktop screen.
  { label: 'desktop', use: { viewport: { width: 1350, height: 940 } }, menu: 'open-settings' },
]) {
  test.describe(label, () => {
    test.use(use)
    firstVisit(menu)
  })
}

function firstVisit(menu: string) {
  test('nothing painted first moves when the device, the documents and the offline notice arrive; the wasm is fetched once', async ({
    page,
  }) => {
    await page.addInitScript(() => {
      const shifts: number[] = []
      Object.assign(window, { layoutShifts: shifts })
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          shifts.push((entry as unknown as { value: number }).value)
      }).observe({ type: 'layout-shift', buffered: true })
    })
    // The page and the chat worker each ask for the wasm; only bytes from the network count (the
    // later request is answered by the browser's cache, with no body over the wire).
    const wasm: { url: string; bytes: number }[] = []
    page.on('requestfinished', (request) => {
      if (!request.url().endsWith('.wasm')) return
      void request.sizes().then(({ responseBodySize }) => {
        if (responseBodySize > 0) wasm.push({ url: request.url(), bytes: responseBodySize })
      })
    })
    await page.goto('/')
    await expect(page.getByTestId('new-workplace-name')).toBeVisible()
    await expect(page.getByTestId(menu)).toBeVisible()
    await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 30_000 })
    const shifts = await page.evaluate(
      () => (window as unknown as { layoutShifts: number[] }).layoutShifts,
    )
    const total = shifts.reduce((a, b) => a + b, 0)
    expect(total, `layout shifts ${shifts.join(', ')}`).toBeLessThan(0.01)
    // Preloaded beside the scripts and taken over by Automerge's own fetches: one download.
    await expect
      .poll(() => wasm.length, { message: 'the wasm to be downloaded' })
      .toBeGreaterThan(0)
    expect(wasm).toHaveLength(1)
  })
}
