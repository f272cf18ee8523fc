/**
 * `bundle.transfer_first_visit_kb`: every byte the server sends during a first visit (a fresh
 * browser profile), compressed as sent: the page, its scripts, Automerge's wasm, the service
 * worker and everything it precaches for offline use, and the relay's first messages.
 */
import { startByteCountingProxy } from './byte-counting-proxy.ts'
import type { BenchContext, Metric } from './harness.ts'

const DEADLINE_MS = 120_000
/** The visit is over once the service worker is active and no byte came for this long. */
const QUIET_MS = 3_000

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const { url } = await ctx.server()
  const proxy = await startByteCountingProxy(url)
  const browser = await ctx.browser()
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const started = Date.now()
    await page.goto(proxy.url, { timeout: DEADLINE_MS })
    await page
      .getByTestId('new-workplace-name')
      .waitFor({ timeout: DEADLINE_MS })
      .catch((error: unknown) => {
        throw new Error(`waiting for the workplaces screen: ${String(error)}`, { cause: error })
      })
    const left = () => Math.max(1, DEADLINE_MS - (Date.now() - started))
    await page
      .waitForFunction(
        async () => (await navigator.serviceWorker.ready).active?.state === 'activated',
        undefined,
        { timeout: left() },
      )
      .catch((error: unknown) => {
        throw new Error(`waiting for the service worker to activate: ${String(error)}`, {
          cause: error,
        })
      })
    let last = proxy.received
    let quietSince = Date.now()
    while (Date.now() - quietSince < QUIET_MS) {
      if (Date.now() - started > DEADLINE_MS) {
        throw new Error(`bytes still arriving after ${DEADLINE_MS} ms (${proxy.received} so far)`)
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
      if (proxy.received !== last) {
        last = proxy.received
        quietSince = Date.now()
      }
    }
    const kb = proxy.received / 1000
    ctx.log(`first visit: ${kb.toFixed(1)} KB from the server`)
    return [{ name: 'bundle.transfer_first_visit_kb', value: Math.round(kb), unit: 'KB', runs: 1 }]
  } finally {
    await context.close()
    await proxy.close()
  }
}
