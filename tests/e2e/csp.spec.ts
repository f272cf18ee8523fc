import { expect, test } from '@playwright/test'

// The server sends a Content-Security-Policy with every page: the built app must run under it
// without a single violation (inline script, eval, a blocked connection or resource).
test('the app loads, connects and may compile wasm under the server CSP, with no violation', async ({
  browser,
}) => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.addInitScript(() => {
      const seen: string[] = []
      ;(window as unknown as { cspViolations: string[] }).cspViolations = seen
      document.addEventListener('securitypolicyviolation', (event) =>
        seen.push(`${event.violatedDirective} ${event.blockedURI} "${event.sample}"`),
      )
    })
    const response = await page.goto('/')
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    await expect(page.getByRole('heading', { level: 1, name: 'Peerplace' })).toBeVisible()
    await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    // Automerge is WebAssembly: the policy must let the page compile a module.
    const compiled = await page.evaluate(async () => {
      const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
      return WebAssembly.compile(empty).then(
        () => 'ok',
        (error: Error) => error.message,
      )
    })
    expect(compiled).toBe('ok')
    const fromPage = await page.evaluate(
      () => (window as unknown as { cspViolations: string[] }).cspViolations,
    )
    // Not even cbor-x's probe for eval, which the build takes out (scripts/cbor-x-no-eval.ts).
    expect(fromPage).toEqual([])
  } finally {
    await context.close()
  }
})
