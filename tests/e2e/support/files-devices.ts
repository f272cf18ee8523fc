import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startTestServer, type TestServer } from './test-server.ts'

/** The test page served by Vite from source, and a relay, both on free ports. */
export interface FilesBench {
  pageUrl: string
  relayUrl: string
  close(): Promise<void>
}

/** The files test page on `server`; closing it closes the server. */
export function filesBench(server: TestServer): FilesBench {
  return {
    pageUrl: server.pageUrl('files-page.html'),
    relayUrl: server.relay.relayUrl,
    close: () => server.close(),
  }
}

/** Starts a test server of its own for the files test page (benchmarks). */
export async function startFilesPage(): Promise<FilesBench> {
  return filesBench(await startTestServer())
}

/** One device: a browser context of its own (own IndexedDB), and its page. */
export interface FilesDevice {
  context: BrowserContext
  page: Page
  peer: string
  errors: string[]
  /** Opens the test page again in the same context: the same device, its store kept. */
  reopen(): Promise<void>
}

export async function openFilesDevice(
  browser: Browser,
  bench: FilesBench,
  context?: BrowserContext,
  chunkSize?: number,
  /** The ICE configuration of its connections (e.g. TURN only); none by default. */
  rtc?: { iceServers: RTCIceServer[]; iceTransportPolicy?: RTCIceTransportPolicy },
): Promise<FilesDevice> {
  const ctx = context ?? (await browser.newContext({ acceptDownloads: true }))
  const errors: string[] = []
  const open = async () => {
    const page = await ctx.newPage()
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(bench.pageUrl)
    await page.waitForFunction(() => 'filesDriver' in window, undefined, { timeout: 60_000 })
    const peer = await page.evaluate(
      ([url, size, ice]) => window.filesDriver.start(url, size, ice),
      [bench.relayUrl, chunkSize, rtc] as const,
    )
    return { page, peer }
  }
  const first = await open()
  const device: FilesDevice = {
    context: ctx,
    ...first,
    errors,
    async reopen() {
      const next = await open()
      device.page = next.page
      device.peer = next.peer
    },
  }
  return device
}

/** Puts the devices in one mesh group and waits until every pair is linked. */
export async function linkAll(devices: FilesDevice[], timeoutMs = 30_000): Promise<void> {
  const peers = devices.map((d) => d.peer)
  for (const d of devices) await d.page.evaluate((p) => window.filesDriver.group(p), peers)
  const deadline = Date.now() + timeoutMs
  for (const d of devices) {
    for (;;) {
      const linked = await d.page.evaluate(() => window.filesDriver.linked())
      if (peers.every((p) => p === d.peer || linked.includes(p))) break
      if (Date.now() > deadline) throw new Error(`${d.peer} linked only to ${linked.join(', ')}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
