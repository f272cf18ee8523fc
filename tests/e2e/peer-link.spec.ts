import type { Page } from '@playwright/test'
import type { SignalingServer } from '../../signaling/server.ts'
import { expect, test } from './support/test-server.ts'

// Links in Chromium, opened as the app's mesh opens them, from a small test page that Vite
// serves from source; the relay runs in process. One peer per browser context.
let relay: SignalingServer
let pageUrl: string

test.beforeAll(({ testServer }) => {
  relay = testServer.relay
  pageUrl = testServer.pageUrl('peer-link-page.html')
})

async function openPeer(page: Page, errors: string[], busyOnLinkMs = 0): Promise<string> {
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(pageUrl)
  await page.waitForFunction(() => 'linkDriver' in window, undefined, { timeout: 30_000 })
  return page.evaluate(([url, busy]) => window.linkDriver.start(url, { busyOnLinkMs: busy }), [
    relay.relayUrl,
    busyOnLinkMs,
  ] as const)
}

test('a link gets its own bulk channel; chat overtakes a large transfer', async ({ browser }) => {
  const errors: string[] = []
  const contexts = [await browser.newContext(), await browser.newContext()]
  try {
    const [a, b] = await Promise.all(contexts.map((context) => context.newPage()))
    // Both are busy for a moment as each link comes up, as the app is when sync starts: the
    // peer's first bytes on a new channel can then arrive before the channel's own 'open'.
    const idA = await openPeer(a!, errors, 300)
    const idB = await openPeer(b!, errors, 300)
    const topic = `e2e-link-${Date.now()}`
    await a!.evaluate((t) => window.linkDriver.join(t), topic)
    await b!.evaluate((t) => window.linkDriver.join(t), topic)
    await expect.poll(() => a!.evaluate((t) => window.linkDriver.peers(t), topic)).toEqual([idB])
    await a!.evaluate((peer) => window.linkDriver.connect(peer), idB)
    await expect.poll(() => b!.evaluate((p) => window.linkDriver.linkState(p), idA)).toBe('open')

    // Both ends open the side channel at once, as every new link does.
    for (const [page, remote] of [
      [a!, idB],
      [b!, idA],
    ] as const) {
      await expect
        .poll(() => page.evaluate((p) => window.linkDriver.bulkChannel(p), remote))
        .not.toMatch(/^(none|opening)$/)
      const logs = await page.evaluate(() => window.linkDriver.logs())
      expect(
        await page.evaluate((p) => window.linkDriver.bulkChannel(p), remote),
        logs.join('\n'),
      ).toBe('open')
    }

    const bulkBytes = 8 * 1024 * 1024
    const small = 20
    await a!.evaluate(([p, bytes, count]) => window.linkDriver.sendBulkThenSmall(p, bytes, count), [
      idB,
      bulkBytes,
      small,
    ] as const)
    await expect
      .poll(() => b!.evaluate((p) => window.linkDriver.arrivals(p).length, idA), {
        timeout: 30_000,
      })
      .toBe(small + 1)
    const arrivals = await b!.evaluate((p) => window.linkDriver.arrivals(p), idA)
    const bulk = arrivals.filter((m) => m.channel === 'files')
    const chat = arrivals.filter((m) => m.channel === 'chat')
    expect(bulk).toHaveLength(1)
    expect(bulk[0]).toMatchObject({ bytes: bulkBytes, intact: true })
    expect(chat).toHaveLength(small)
    expect(chat.every((m) => m.bytes === 16 && m.intact)).toBe(true)
    // The small messages were queued after the large one and still arrived before it.
    expect(Math.max(...chat.map((m) => m.at))).toBeLessThan(bulk[0]!.at)

    for (const page of [a!, b!]) {
      const logs = await page.evaluate(() => window.linkDriver.logs())
      expect(logs.filter((line) => /bulk/.test(line))).toEqual([])
    }
    expect(errors).toEqual([])
  } finally {
    await Promise.all(contexts.map((context) => context.close()))
  }
})
