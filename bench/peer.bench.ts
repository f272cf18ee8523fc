/**
 * `peer.connect_ms`: two browser contexts, from both having joined a topic to an authenticated
 * link (the app's mesh dialling through the relay); `peer.connect_ratio`: that over a bare
 * RTCPeerConnection data channel opened through the same relay connection in the same pages.
 * `peer.failover_ms`: three devices in a group; the Syncer's page is closed -> every remaining
 * page names the same next Syncer; `peer.failover_crash_ms`: the same when the Syncer's page
 * crashes (no goodbye: its links fall silent). The pages (bench/peer-page.ts) run the peer layer
 * from source under a Vite dev server; the relay is the benchmark run's in-process server.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { relayUrlFor } from '../src/app/relay-url.ts'
import { median, type BenchContext, type Metric } from './harness.ts'

const CONNECT_RUNS = 7
const FAILOVER_RUNS = 3

interface Device {
  context: BrowserContext
  page: Page
  /** The app session's peer ID. */
  id: string
  /** The peer ID the bare connection uses. */
  bareId: string
}

async function openDevice(browser: Browser, pageUrl: string, relayUrl: string): Promise<Device> {
  const context = await browser.newContext()
  await context.addInitScript((url) => {
    const settings = { relays: [url], iceServers: [] }
    localStorage.setItem('peerplace.connection-settings', JSON.stringify(settings))
  }, relayUrl)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[peer] page error: ${error.message}`))
  await page.goto(pageUrl)
  await page.waitForFunction(() => 'peerBench' in window, undefined, { timeout: 60_000 })
  const [id, bareId] = await page.evaluate((url) => window.peerBench.start(url), relayUrl)
  return { context, page, id, bareId }
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean) {
  const deadline = Date.now() + 30_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const timesOf = (device: Device, topic: string, peer: string) =>
  device.page.evaluate(([t, p]) => window.peerBench.times(t, p), [topic, peer] as const)

/** Milliseconds from both present in `topic` to `end` on both, as the later of each. */
async function span(a: Device, b: Device, topic: string, end: 'linked' | 'bareOpen') {
  const idOf = (device: Device) => (end === 'linked' ? device.id : device.bareId)
  const [ta, tb] = await until(
    `${end} in ${topic}`,
    () => Promise.all([timesOf(a, topic, idOf(b)), timesOf(b, topic, idOf(a))]),
    ([x, y]) => x[end] > 0 && y[end] > 0 && x.present > 0 && y.present > 0,
  )
  return Math.max(ta[end], tb[end]) - Math.max(ta.present, tb.present)
}

async function connectRun(browser: Browser, pageUrl: string, relayUrl: string, run: number) {
  const [a, b] = [
    await openDevice(browser, pageUrl, relayUrl),
    await openDevice(browser, pageUrl, relayUrl),
  ]
  try {
    const measureBare = async () => {
      const topic = `bench-bare-${run}-${Date.now()}`
      await a.page.evaluate(([t, o]) => window.peerBench.bareJoin(t, o), [topic, b.bareId] as const)
      await b.page.evaluate(([t, o]) => window.peerBench.bareJoin(t, o), [topic, a.bareId] as const)
      return span(a, b, topic, 'bareOpen')
    }
    const measureLink = async () => {
      const group = `bench-link-${run}-${Date.now()}`
      for (const device of [a, b]) {
        await device.page.evaluate(([g, m]) => window.peerBench.joinGroup(g, m), [
          group,
          [a.id, b.id],
        ] as const)
      }
      return span(a, b, group, 'linked')
    }
    // Alternate which goes first, so neither always meets a cold renderer.
    if (run % 2 === 0) {
      const bare = await measureBare()
      return { bare, link: await measureLink() }
    }
    const link = await measureLink()
    return { bare: await measureBare(), link }
  } finally {
    await Promise.all([a.context.close(), b.context.close()])
  }
}

/**
 * The Syncer's page goes: closed (it says goodbye on 'pagehide'), or its renderer crashes (it
 * falls silent, as a device that loses power or network would).
 */
async function failoverRun(
  browser: Browser,
  pageUrl: string,
  relayUrl: string,
  run: number,
  how: 'close' | 'crash',
) {
  const devices = [] as Device[]
  for (let i = 0; i < 3; i++) devices.push(await openDevice(browser, pageUrl, relayUrl))
  try {
    const ids = devices.map((d) => d.id).sort()
    const group = `bench-failover-${run}-${Date.now()}`
    for (const device of devices) {
      await device.page.evaluate(([g, m]) => window.peerBench.joinGroup(g, m), [
        group,
        ids,
      ] as const)
    }
    for (const device of devices) {
      await until(
        'everyone on the first Syncer',
        () => device.page.evaluate(() => window.peerBench.syncer()),
        (s) => s === ids[0],
      )
    }
    const syncer = devices.find((d) => d.id === ids[0])!
    const rest = devices.filter((d) => d !== syncer)
    const cdp = how === 'crash' ? await syncer.context.newCDPSession(syncer.page) : undefined
    const closedAt = Date.now()
    if (cdp) void cdp.send('Page.crash').catch(() => {})
    else await syncer.page.close()
    const seen = await Promise.all(
      rest.map((device) =>
        until(
          'the next Syncer',
          () => device.page.evaluate(() => window.peerBench.syncers()),
          (list) => list.some((c) => c.syncer === ids[1] && c.at >= closedAt),
        ).then((list) => list.find((c) => c.syncer === ids[1] && c.at >= closedAt)!.at),
      ),
    )
    return Math.max(...seen) - closedAt
  } finally {
    await Promise.all(devices.map((d) => d.context.close()))
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const server = await ctx.server()
  const relayUrl = relayUrlFor(server.url)
  const browser = await ctx.browser()
  let vite: ViteDevServer | undefined
  try {
    vite = await createServer({
      root: ctx.rootDir,
      configFile: `${ctx.rootDir}/vite.config.ts`,
      logLevel: 'error',
      server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
    })
    await vite.listen()
    const pageUrl = `${vite.resolvedUrls!.local[0]}bench/peer-page.html`
    // Warm up: the dev server compiles the page's modules on first load.
    await (await openDevice(browser, pageUrl, relayUrl)).context.close()

    const links: number[] = []
    const bares: number[] = []
    const ratios: number[] = []
    for (let i = 0; i < CONNECT_RUNS; i++) {
      const { link, bare } = await connectRun(browser, pageUrl, relayUrl, i)
      ctx.log(`run ${i + 1}: link ${link.toFixed(1)} ms, bare channel ${bare.toFixed(1)} ms`)
      links.push(link)
      bares.push(bare)
      ratios.push(link / bare)
    }
    const failovers: number[] = []
    const silent: number[] = []
    for (let i = 0; i < FAILOVER_RUNS; i++) {
      const ms = await failoverRun(browser, pageUrl, relayUrl, i, 'close')
      const crashMs = await failoverRun(browser, pageUrl, relayUrl, i, 'crash')
      ctx.log(
        `failover run ${i + 1}: page closed ${ms.toFixed(0)} ms, crashed ${crashMs.toFixed(0)} ms`,
      )
      failovers.push(ms)
      silent.push(crashMs)
    }
    const connectMs = median(links)
    ctx.log(`bare channel median ${median(bares).toFixed(1)} ms`)
    return [
      { name: 'peer.connect_ms', value: round(connectMs), unit: 'ms', runs: CONNECT_RUNS },
      {
        name: 'peer.connect_ratio',
        value: round(connectMs / median(bares), 100),
        unit: 'ratio',
        runs: CONNECT_RUNS,
      },
      {
        name: 'peer.failover_ms',
        value: round(median(failovers)),
        unit: 'ms',
        runs: FAILOVER_RUNS,
      },
      {
        name: 'peer.failover_crash_ms',
        value: round(median(silent)),
        unit: 'ms',
        runs: FAILOVER_RUNS,
      },
    ]
  } finally {
    await vite?.close()
  }
}

function round(value: number, per = 10): number {
  return Math.round(value * per) / per
}
