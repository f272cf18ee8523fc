import type { BrowserContext, Page } from '@playwright/test'
import type { SignalingServer } from '../../signaling/server.ts'
import { storeSettings } from './support/device.ts'
import { expect, test } from './support/test-server.ts'

// The app's peer session with the manual pairing component, on a test page that Vite serves
// from source; the relay runs in process.
let relay: SignalingServer
let pageUrl: string
let brokerUrl: string

test.beforeAll(({ testServer }) => {
  relay = testServer.relay
  brokerUrl = testServer.brokerUrl
  pageUrl = testServer.pageUrl('peer-session-page.html')
})

async function openSession(context: BrowserContext, errors: string[]): Promise<[Page, string]> {
  const page = await context.newPage()
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  await storeSettings(context, { relays: [relay.relayUrl], peerjs: brokerUrl })
  await page.goto(pageUrl)
  await page.waitForFunction(() => 'sessionDriver' in window, undefined, { timeout: 30_000 })
  return [page, await page.evaluate(() => window.sessionDriver.start())]
}

test('two devices pair by carrying the codes and get an authenticated mesh link', async ({
  browser,
}) => {
  const errors: string[] = []
  const contexts = [await browser.newContext(), await browser.newContext()]
  try {
    const [a, idA] = await openSession(contexts[0]!, errors)
    const [b, idB] = await openSession(contexts[1]!, errors)

    const offer = await a.evaluate(() => window.sessionDriver.createOffer())
    expect(offer).toMatch(/^pp1\./)
    // A damaged code is refused with a message, changing nothing.
    const damaged = await b.evaluate(
      (code) => window.sessionDriver.acceptOffer(code).catch((e: Error) => `error: ${e.message}`),
      offer.slice(0, -12),
    )
    expect(damaged).toMatch(/^error: /)
    const answer = await b.evaluate((code) => window.sessionDriver.acceptOffer(code), offer)
    expect(answer).toMatch(/^pp1\./)
    // The offer's own code is no answer.
    expect(await a.evaluate((code) => window.sessionDriver.complete(code), offer)).toMatch(
      /^error: /,
    )
    const [peerOfA, peerOfB] = await Promise.all([
      a.evaluate((code) => window.sessionDriver.complete(code), answer),
      b.evaluate(() => window.sessionDriver.answerLinked()),
    ])
    expect([peerOfA, peerOfB]).toEqual([idB, idA])
    expect(await a.evaluate(() => window.sessionDriver.linkedPeers())).toEqual([idB])
    expect(await b.evaluate(() => window.sessionDriver.linkedPeers())).toEqual([idA])
    expect(errors).toEqual([])
  } finally {
    await Promise.all(contexts.map((context) => context.close()))
  }
})

test('a standby tab takes over: the active one stops, and the new one connects', async ({
  browser,
}) => {
  const errors: string[] = []
  const context = await browser.newContext()
  try {
    const [first, id] = await openSession(context, errors)
    const [second, sameId] = await openSession(context, errors)
    expect(sameId).toBe(id)
    const status = (page: Page) => page.evaluate(() => window.sessionDriver.connection())
    const active = (page: Page) => page.evaluate(() => window.sessionDriver.tabActive())
    const bothOpen = {
      state: 'open',
      endpoint: `relay ${relay.relayUrl} + peerjs ${brokerUrl.replace(/\/$/, '')}`,
    }
    expect(await active(first)).toBe(true)
    expect(await active(second)).toBe(false)
    await expect.poll(() => status(first)).toMatchObject({ state: 'open' })
    expect(await status(second)).toEqual({ state: 'closed', endpoint: 'in use in another tab' })

    await second.evaluate(() => window.sessionDriver.takeOver())
    expect(await active(second)).toBe(true)
    await expect.poll(() => active(first)).toBe(false)
    // Both carriers: the broker gives the device's IDs to the tab that took over, though it may
    // still hold the first tab's connection.
    await expect.poll(() => status(second), { timeout: 10_000 }).toEqual(bothOpen)
    await expect
      .poll(() => status(first))
      .toEqual({
        state: 'closed',
        endpoint: 'in use in another tab',
      })
    // It stays that way: the tab that lost does not reconnect and replace the other.
    await first.waitForTimeout(1500)
    expect(await status(second)).toEqual(bothOpen)

    // The first tab waits in line and runs the network again once the second closes.
    await second.close()
    await expect.poll(() => active(first)).toBe(true)
    await expect.poll(() => status(first), { timeout: 10_000 }).toEqual(bothOpen)
    expect(errors).toEqual([])
  } finally {
    await context.close()
  }
})
