/**
 * Cold open of a workplace with a long chat history, in the app: the history is written into a
 * browser profile on disk by a bench page served on the app's origin (bench/chat-history-page.ts,
 * through a Vite dev server, so it can import the app's modules); then the browser is started
 * afresh for every run and the app loaded, the workplace opened from the list the moment it
 * appears, until the newest message is shown (bench/chat-open-probe.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { createServer } from 'vite'
import { chromiumLaunchOptions } from '../tests/support/browser.ts'
import type { WrittenHistory } from './chat-history-page.ts'
import { NAME_SHIM } from './chat-latency-probe.ts'
import { installOpenProbe, type OpenTimes } from './chat-open-probe.ts'
import { RendererMeter } from './renderer-meter.ts'

export interface OpenOptions {
  appUrl: string
  rootDir: string
  messages: number
  runs: number
  /** One series of `runs` opens per entry, with the page's CPU slowed that many times. */
  cpuRates: readonly number[]
  /** Writes a JavaScript CPU profile of the last open at full speed here. */
  profilePath?: string | undefined
  /**
   * Then turns the storage lock on with this passphrase and opens `runs` times more at full
   * speed, the passphrase typed the moment the unlock screen shows.
   */
  lockedPassphrase?: string | undefined
  log: (message: string) => void
}

export interface OpenRun extends OpenTimes {
  /** When the page's DOM had been quiet for a while after the newest message was shown. */
  settled?: number
}

/** The opens at one CPU throttling rate; a failed open is reported, not thrown. */
export interface OpenSeries {
  rate: number
  runs: OpenRun[]
  failures: string[]
}

const DAY_MS = 24 * 3600_000
const QUIET_MS = 2000

/**
 * A fresh browser on the profile at `dir`. Service workers are off: requests of the bench page
 * must reach Playwright's routing, and every run then loads the app the same way (from the
 * HTTP cache, warmed by an earlier run).
 */
export function launch(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    ...chromiumLaunchOptions(),
    serviceWorkers: 'block',
  })
}

async function firstPage(context: BrowserContext): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => console.error(`[chat-open] page error: ${error.message}`))

  return page
}

/** Where the history page is served from and what it logs to. */
export type HistoryPageOptions = Pick<OpenOptions, 'appUrl' | 'rootDir' | 'log'>

/** Runs `work` on the history page, its requests answered by a Vite dev server. */
async function onHistoryPage<T>(
  dir: string,
  options: HistoryPageOptions,
  work: (page: Page) => Promise<T>,
): Promise<T> {
  const vite = await createServer({
    root: options.rootDir,
    configFile: join(options.rootDir, 'vite.config.ts'),
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false, ws: false },
  })
  await vite.listen()
  const devUrl = vite.resolvedUrls!.local[0]!
  const context = await launch(dir)
  try {
    const page = await firstPage(context)
    // A request the dev server does not answer in time (it transforms modules on first request,
    // slowly on a busy machine) fails that request, reported; the page load is retried below.
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url())
      try {
        const response = await route.fetch({
          url: new URL(url.pathname + url.search, devUrl).href,
          timeout: 60_000,
        })
        await route.fulfill({ response })
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
        options.log(`history page: ${url.pathname} failed: ${reason}`)
        await route.abort('failed').catch(() => {})
      }
    })
    await page.goto(new URL('bench/chat-history-page.html', options.appUrl).href, {
      timeout: 120_000,
    })
    const ready = () =>
      page.waitForFunction(() => 'chatHistory' in window, undefined, {
        timeout: 60_000,
      })
    // A dev server that has just optimized its dependencies may fail the first load.
    await ready().catch(async () => {
      options.log('history page: not ready in 60 s, loading it again')
      await page.reload({ timeout: 120_000 })
      await ready()
    })
    return await work(page)
  } finally {
    await context.close()
    await vite.close()
  }
}

/**
 * Writes the history through the bench page; `turn` builds it in turns of that many messages
 * (see `HistoryOptions.turn`: faster, for tests).
 */
export function writeHistory(
  dir: string,
  options: HistoryPageOptions & { messages: number; turn?: number | undefined },
): Promise<WrittenHistory> {
  return onHistoryPage(dir, options, (page) =>
    page.evaluate((args) => window.chatHistory.write(args), {
      name: 'History',
      messages: options.messages,
      spanMs: 100 * DAY_MS,
      unread: 20,
      turn: options.turn,
    }),
  )
}

/** Turns the storage lock on over the profile's data, as "Your data" does. */
function sealHistory(dir: string, options: OpenOptions, passphrase: string) {
  return onHistoryPage(dir, options, (page) =>
    page.evaluate((p) => window.chatHistory.seal(p), passphrase),
  )
}

/** Starts the browser on the profile, loads the app and opens the workplace. */
export async function openOnce(
  dir: string,
  appUrl: string,
  history: WrittenHistory,
  rate = 1,
  profilePath?: string,
  passphrase?: string,
): Promise<OpenRun> {
  const context = await launch(dir)
  try {
    await context.addInitScript(NAME_SHIM)
    await context.addInitScript(installOpenProbe, {
      workplace: history.workplace,
      newestId: history.newestId,
      ...(passphrase === undefined ? {} : { passphrase }),
    })
    const page = await firstPage(context)
    const meter = await RendererMeter.attach(page)
    await meter.throttle(rate)
    if (profilePath) await meter.startProfile()
    await page.goto(appUrl, { timeout: 30_000 * rate })
    const read = () => page.evaluate(() => ({ ...window.chatOpenTimes, now: performance.now() }))
    const deadline = Date.now() + 60_000 * rate
    for (;;) {
      const times = await read()
      const quiet = times.lastChange !== undefined && times.now - times.lastChange > QUIET_MS
      if (times.painted !== undefined && quiet) {
        if (profilePath) await meter.stopProfile(profilePath)
        return { ...times, settled: times.lastChange! }
      }
      if (Date.now() > deadline) {
        if (times.painted !== undefined) return times
        throw new Error(`the newest message was not shown: ${JSON.stringify(times)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await context.close()
  }
}

/**
 * Writes the history once, then opens it `runs` times per CPU rate, each in a freshly started
 * browser. An open that fails (the page not loading, the message not shown in time) is counted
 * and its reason kept; the other opens go on.
 */
export async function measureChatOpen(
  options: OpenOptions,
): Promise<{ history: WrittenHistory; series: OpenSeries[]; locked?: OpenSeries }> {
  const dir = mkdtempSync(join(tmpdir(), 'peerplace-chat-open-'))
  try {
    const history = await writeHistory(dir, options)
    options.log(
      `wrote ${history.messages} messages in ${history.shards} shards ` +
        `(${(history.bytes / 1e6).toFixed(1)} MB saved) in ${(history.ms / 1000).toFixed(1)} s`,
    )
    const series: OpenSeries[] = []
    for (const rate of options.cpuRates) {
      const one: OpenSeries = { rate, runs: [], failures: [] }
      // The first open is unmeasured: it fills the HTTP cache and compiled-code caches, as for
      // a returning user.
      for (let i = series.length === 0 ? -1 : 0; i < options.runs; i++) {
        try {
          const last = rate === 1 && i === options.runs - 1
          const profile = last ? options.profilePath : undefined
          const run = await openOnce(dir, options.appUrl, history, rate, profile)
          if (i >= 0) one.runs.push(run)
        } catch (error) {
          const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error)
          options.log(
            `open ${i < 0 ? '(unmeasured)' : i + 1} at CPU rate ${rate} failed: ${reason}`,
          )
          if (i >= 0) one.failures.push(reason)
        }
      }
      series.push(one)
    }
    if (options.lockedPassphrase === undefined) return { history, series }
    const sealed = await sealHistory(dir, options, options.lockedPassphrase)
    options.log(`storage lock turned on over the history in ${(sealed.ms / 1000).toFixed(1)} s`)
    const locked: OpenSeries = { rate: 1, runs: [], failures: [] }
    // Unmeasured first open again: the unlock screen's code is new to the caches.
    for (let i = -1; i < options.runs; i++) {
      try {
        const run = await openOnce(
          dir,
          options.appUrl,
          history,
          1,
          undefined,
          options.lockedPassphrase,
        )
        if (run.unlocked === undefined) throw new Error('the unlock screen was not passed')
        if (i >= 0) locked.runs.push(run)
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error)
        options.log(`locked open ${i < 0 ? '(unmeasured)' : i + 1} failed: ${reason}`)
        if (i >= 0) locked.failures.push(reason)
      }
    }
    return { history, series, locked }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
