import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { createServer, type ViteDevServer } from 'vite'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'

// The app's peer session with the manual pairing component, on a test page that Vite serves
// from source (the relay it also starts runs in process, but pairing never touches it).
let vite: ViteDevServer
let relay: SignalingServer
let pageUrl: string

test.beforeAll(async () => {
  relay = await createSignalingServer({ port: 0, peerjs: false })
  vite = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
  })
  await vite.listen()
  pageUrl = `${vite.resolvedUrls!.local[0]}tests/e2e/peer-session-page.html`
})

test.afterAll(async () => {
  await vite?.close()
  await relay?.close()
})

async function openSession(context: BrowserContext, errors: string[]): Promise<[Page, string]> {
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  await context.addInitScript((url) => {
    const settings = { relays: [url], iceServers: [] }
    localStorage.setItem('peerplace.connection-settings', JSON.stringify(settings))
  }, relay.relayUrl)
  await page.goto(pageUrl)
  await page.waitForFunction(() => 'sessionDriver' in window, undefined, { timeout: 30_000 })
  return [page, await page.evaluate(() => window.sessionDriver.start())]
}

test('two devices pair by carrying the codes and get an authenticated link', async ({
  browser,
}) => {
  const errors: string[] = []
  const contexts = [await browser.newContext(), await browser.newContext()]
  try {
    const [a, idA] = await openSession(contexts[0]!, errors)
    const [b, idB] = await openSession(contexts[1]!, errors)

    await a.getByRole('button', { name: 'Show a pairing code' }).click()
    const offer = await a.getByLabel(/Your pairing code/).inputValue()
    expect(offer).toMatch(/^pp1\./)

    // A damaged code is refused with a message, and the form stays usable.
    await b.getByLabel('Pairing code from the other device').fill(offer.slice(0, -12))
    await b.getByRole('button', { name: 'Answer it' }).click()
    await expect(b.getByRole('alert')).toBeVisible()

    await b.getByLabel('Pairing code from the other device').fill(offer)
    await b.getByRole('button', { name: 'Answer it' }).click()
    const answer = await b.getByLabel(/Your answer code/).inputValue()
    expect(answer).toMatch(/^pp1\./)

    await a.getByLabel('Answer code from the other device').fill(answer)
    await a.getByRole('button', { name: 'Connect' }).click()

    await expect(a.getByTestId('pairing-peer')).toHaveAttribute('data-peer', idB)
    await expect(b.getByTestId('pairing-peer')).toHaveAttribute('data-peer', idA)
    await expect(a.getByTestId('pairing-peer')).toHaveText(
      `Paired with ${idB.slice(0, 4)} ${idB.slice(4, 8)}`,
    )
    expect(await a.evaluate(() => window.sessionDriver.linkedPeers())).toEqual([idB])
    expect(await b.evaluate(() => window.sessionDriver.linkedPeers())).toEqual([idA])
    expect(errors).toEqual([])
  } finally {
    await Promise.all(contexts.map((context) => context.close()))
  }
})
