import type { Browser, Page } from '@playwright/test'
import type { SignalingServer } from '../../signaling/server.ts'
import { expect, test } from './support/test-server.ts'

// The adapters run in Chromium from a small test page that Vite serves from source; the
// PeerJS broker is the embedded one, in process. One adapter per page.
let broker: SignalingServer
let pageUrl: string

test.beforeAll(({ testServer }) => {
  broker = testServer.relay
  pageUrl = testServer.pageUrl('signaling-page.html')
})

type Kind = 'broadcast' | 'peerjs' | 'manual'

/** Uncaught exceptions of every page, checked after each test. */
const errors: string[] = []

test.afterEach(() => expect(errors.splice(0)).toEqual([]))

async function openAdapter(page: Page, kind: Kind): Promise<string> {
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(pageUrl)
  await page.waitForFunction(() => 'signalingDriver' in window, undefined, { timeout: 30_000 })
  const peerJsUrl = new URL('peerjs', broker.address.url).href
  const id = await page.evaluate(([kind, url]) => window.signalingDriver.start(kind as Kind, url), [
    kind,
    peerJsUrl,
  ] as const)
  return id
}

async function pagesFor(browser: Browser, kind: Kind): Promise<Page[]> {
  if (kind === 'broadcast') {
    // Tabs of one browser profile: one context, two pages.
    const context = await browser.newContext()
    return [await context.newPage(), await context.newPage()]
  }
  return [
    await (await browser.newContext()).newPage(),
    await (await browser.newContext()).newPage(),
  ]
}

async function bytesBothWays(a: Page, b: Page, idA: string, idB: string): Promise<void> {
  await expect.poll(() => b.evaluate((p) => window.signalingDriver.hasPipe(p), idA)).toBe(true)
  const fa = await a.evaluate((p) => window.signalingDriver.fingerprints(p), idB)
  const fb = await b.evaluate((p) => window.signalingDriver.fingerprints(p), idA)
  expect(fa.local).toBe(fb.remote)
  expect(fa.remote).toBe(fb.local)
  await a.evaluate((p) => window.signalingDriver.send(p, [1, 2, 3]), idB)
  await b.evaluate((p) => window.signalingDriver.send(p, [4, 5]), idA)
  await expect
    .poll(() => b.evaluate((p) => window.signalingDriver.received(p), idA))
    .toEqual([[1, 2, 3]])
  await expect
    .poll(() => a.evaluate((p) => window.signalingDriver.received(p), idB))
    .toEqual([[4, 5]])
}

for (const kind of ['broadcast', 'peerjs'] as const) {
  test(`${kind}: peers meet in a topic, connect, exchange bytes and see departures`, async ({
    browser,
  }) => {
    const [a, b] = await pagesFor(browser, kind)
    const [idA, idB] = [await openAdapter(a!, kind), await openAdapter(b!, kind)]
    const topic = `e2e-${kind}-${Date.now()}`
    await a!.evaluate((t) => window.signalingDriver.join(t), topic)
    await b!.evaluate((t) => window.signalingDriver.join(t), topic)
    await expect
      .poll(() => a!.evaluate((t) => window.signalingDriver.peers(t), topic))
      .toEqual([idB])
    await expect
      .poll(() => b!.evaluate((t) => window.signalingDriver.peers(t), topic))
      .toEqual([idA])
    await a!.evaluate((p) => window.signalingDriver.connect(p), idB)
    await bytesBothWays(a!, b!, idA, idB)
    // A closed tab says nothing: it drops out by heartbeat (BroadcastChannel) or when the
    // broker sees its socket close (PeerJS).
    await b!.close()
    await expect.poll(() => a!.evaluate((t) => window.signalingDriver.peers(t), topic)).toEqual([])
    await a!.context().close()
  })
}

test('manual: two browsers pair by carrying the offer and answer codes', async ({ browser }) => {
  const [a, b] = await pagesFor(browser, 'manual')
  const [idA, idB] = [await openAdapter(a!, 'manual'), await openAdapter(b!, 'manual')]
  const offer = await a!.evaluate(() => window.signalingDriver.createOffer())
  expect(offer.length).toBeLessThan(600)
  const answer = await b!.evaluate((code) => window.signalingDriver.acceptOffer(code), offer)
  expect(answer.length).toBeLessThan(600)
  await a!.evaluate((code) => window.signalingDriver.acceptAnswer(code), answer)
  await expect.poll(() => a!.evaluate((p) => window.signalingDriver.hasPipe(p), idB)).toBe(true)
  await bytesBothWays(a!, b!, idA, idB)
  const garbage = await b!.evaluate(() =>
    window.signalingDriver.acceptAnswer('pp1.garbage').then(
      () => 'accepted',
      (error: Error) => error.message,
    ),
  )
  expect(garbage).toMatch(/damaged/)
  await a!.context().close()
  await b!.context().close()
})
