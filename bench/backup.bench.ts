/**
 * Backup and restore of a device holding a workplace with 50,000 chat messages (written by
 * bench/chat-history-page.ts through the app's own stores) and 200 MiB of file chunks, in
 * headless Chromium with real IndexedDB, through bench/backup-page.ts on a Vite dev server.
 * - `backup.mb_per_s`: MiB of backup file written per second, from the first entry read to the
 *   last frame sealed (the passphrase's key derivation, about a second, is left out and logged).
 * - `restore.mb_per_s`: MiB of backup file per second for the whole restore after the key:
 *   the checking pass over the file and the writing pass (so the file is read twice).
 * `PEERPLACE_BACKUP_PROFILE=<prefix>` writes `<prefix>-backup.cpuprofile` and
 * `<prefix>-restore.cpuprofile` of the page (read them with bench/cpuprofile-summary.ts).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { createServer } from 'vite'
import { type BenchContext, type Metric } from './harness.ts'

const MB = 1024 * 1024
const FILE_BYTES = 200 * MB
const CHUNK_BYTES = 256 * 1024 - 1024
/** `PEERPLACE_BACKUP_MESSAGES=n` writes fewer messages (quicker runs while profiling). */
const MESSAGES = Number(process.env.PEERPLACE_BACKUP_MESSAGES ?? 50_000)
const PASSPHRASE = 'bench passphrase, long enough'
const PROFILE = process.env.PEERPLACE_BACKUP_PROFILE

/** Runs `work` under the page's CPU profiler when PROFILE is set. */
async function profiled<T>(page: Page, name: string, work: () => Promise<T>): Promise<T> {
  if (!PROFILE) return work()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.start')
  const result = await work()
  const { profile } = await cdp.send('Profiler.stop')
  writeFileSync(`${PROFILE}-${name}.cpuprofile`, JSON.stringify(profile))
  await cdp.detach()
  return result
}

async function load(page: Page, url: string, ready: string): Promise<void> {
  // A dev server's first load transforms every module: slow on a busy machine.
  await page.goto(url, { timeout: 300_000 })
  const wait = () => page.waitForFunction((name) => name in window, ready, { timeout: 120_000 })
  // A dev server that has just optimized its dependencies may fail the first load.
  await wait().catch(async () => {
    await page.reload()
    await wait()
  })
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  const vite = await createServer({
    root: ctx.rootDir,
    configFile: join(ctx.rootDir, 'vite.config.ts'),
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
  })
  await vite.listen()
  const base = vite.resolvedUrls!.local[0]!
  const context = await (await ctx.browser()).newContext()
  try {
    const page = await context.newPage()
    page.on('pageerror', (error) => ctx.log(`page error: ${error.message}`))
    await load(page, new URL('bench/chat-history-page.html', base).href, 'chatHistory')
    ctx.log(`writing ${MESSAGES} messages…`)
    const history = await page.evaluate(
      (messages) =>
        window.chatHistory.write({
          name: 'History',
          messages,
          spanMs: 100 * 86_400_000,
          unread: 0,
        }),
      MESSAGES,
    )
    ctx.log(
      `${history.messages} messages in ${history.shards} shards (${(history.bytes / MB).toFixed(1)} MiB)`,
    )
    await load(page, new URL('bench/backup-page.html', base).href, 'backupBench')
    ctx.log(`storing ${FILE_BYTES / MB} MiB of file chunks…`)
    await page.evaluate(
      ([total, chunk]) => window.backupBench.seedFiles(total!, chunk!),
      [FILE_BYTES, CHUNK_BYTES],
    )
    const made = await profiled(page, 'backup', () =>
      page.evaluate((p) => window.backupBench.backup(p), PASSPHRASE),
    )
    ctx.log(
      `backup: ${(made.bytes / MB).toFixed(1)} MiB in ${Math.round(made.ms)} ms (key ${Math.round(made.keyMs)} ms)`,
    )
    const back = await profiled(page, 'restore', () =>
      page.evaluate((p) => window.backupBench.clearAndRestore(p), PASSPHRASE),
    )
    ctx.log(`restore: ${(back.bytes / MB).toFixed(1)} MiB in ${Math.round(back.ms)} ms`)
    return [
      { name: 'backup.mb_per_s', value: made.bytes / MB / (made.ms / 1000), unit: 'MB/s', runs: 1 },
      {
        name: 'restore.mb_per_s',
        value: back.bytes / MB / (back.ms / 1000),
        unit: 'MB/s',
        runs: 1,
      },
    ]
  } finally {
    await context.close()
    await vite.close()
  }
}
