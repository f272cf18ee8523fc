/**
 * Importing a 5,000-contact vCard file in the app, in Chromium (the production build served by
 * the run's server), one fresh browser context per run.
 *
 * `contacts.import_5k_ms`: from the file input's `change` event (the file chosen) to the contact
 * count showing 5,000 in a painted frame. `contacts.import_longest_task_ms`: the longest task the
 * Long Tasks API reported on the page in that time; it reports only tasks of 50 ms or more, so 0
 * means none reached 50 ms. `contacts.import_5k_cpu_ms`: the CPU time the browser's renderers used
 * in that time (page and workers), which unlike the others does not grow while other programs hold
 * the CPU. Median of the runs for each.
 *
 * The file: 3.0 cards as phones export them (structured names, one to three phones with TYPE or
 * Apple X-ABLabel labels, emails, half with an address, some notes, birthdays and categories).
 * It is handed to the input by path, so the browser reads it as it does a file the user picks (a
 * buffer would be decoded from base64 by a script in the page, a 1 s task that is not the app's).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { vcardFile } from './contacts-vcf.ts'
import { median, type BenchContext, type Metric } from './harness.ts'
import { longTasksSinceMark, watchLongTasks } from './page-long-tasks.ts'
import { cpuBetween, RendererMeter, RenderersCpu } from './renderer-meter.ts'
import { WorkerProfiler } from './worker-profiler.ts'

const CONTACTS = 5000
const RUNS = Number(process.env.PEERPLACE_CONTACTS_RUNS ?? 3)
/** Set to a file path to write a CPU profile of the first run's page during the import. */
const PROFILE = process.env.PEERPLACE_CONTACTS_PROFILE
/** Set to a path prefix to write CPU profiles of the first run's workers during the import. */
const WORKER_PROFILE = process.env.PEERPLACE_CONTACTS_WORKER_PROFILE
const DEADLINE_MS = 300_000

interface Run {
  importMs: number
  longestTaskMs: number
  /** When the longest task started, in ms after the file was chosen. */
  longestTaskAt: number
  longTasks: number
  /** CPU time of the browser's renderers (page and its workers) over the import. */
  cpuMs: number
  /** The three longest tasks, as `duration@start` in ms after the file was chosen. */
  longest3: string
}

async function openContacts(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.getByTestId('new-workplace-name').fill('Bench')
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  await page.getByTestId('tab-contacts').click({ timeout: 60_000 })
  await page.getByTestId('contacts-panel').waitFor({ timeout: 60_000 })
}

async function importOnce(
  ctx: BenchContext,
  url: string,
  file: string,
  profile?: string,
  workerProfile?: string,
): Promise<Run> {
  const browser = await ctx.browser()
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await watchLongTasks(page, 'change', '[data-testid="contacts-import-input"]')
    await openContacts(page, url)
    const meter = profile ? await RendererMeter.attach(page) : undefined
    await meter?.startProfile()
    const workers = workerProfile ? await WorkerProfiler.attach(browser) : undefined
    await workers?.start()
    const cpu = await RenderersCpu.attach(browser)
    const cpuBefore = await cpu.read()
    await page.getByTestId('contacts-import-input').setInputFiles(file)
    const handle = await page
      .waitForFunction(
        (count) => {
          const shown = document.querySelector('[data-testid="contacts-count"]')?.textContent
          const w = window as unknown as { __benchMark?: number }
          return shown === String(count) && w.__benchMark !== undefined
            ? performance.now() - w.__benchMark
            : undefined
        },
        CONTACTS,
        { polling: 'raf', timeout: DEADLINE_MS },
      )
      .catch((error: unknown) => {
        throw new Error(`waited ${DEADLINE_MS} ms for the contact count to show ${CONTACTS}`, {
          cause: error,
        })
      })
    const importMs = (await handle.jsonValue()) as number
    const cpuMs = cpuBetween(cpuBefore, await cpu.read()).ms
    await cpu.detach()
    if (meter && profile) {
      await meter.stopProfile(profile)
      ctx.log(`profile of the import: ${profile}`)
    }
    if (workers && workerProfile)
      ctx.log(`profiles of the workers: ${(await workers.stop(workerProfile)).join(', ')}`)
    const tasks = await longTasksSinceMark(page)
    const longest = tasks.reduce((a, b) => (b.duration > a.duration ? b : a), {
      at: 0,
      duration: 0,
    })
    return {
      importMs,
      longestTaskMs: longest.duration,
      longestTaskAt: longest.at,
      longTasks: tasks.length,
      cpuMs,
      longest3: [...tasks]
        .sort((a, b) => b.duration - a.duration)
        .slice(0, 3)
        .map((t) => `${Math.round(t.duration)}@+${Math.round(t.at)}`)
        .join(' '),
    }
  } finally {
    await context.close()
  }
}

export async function run(ctx: BenchContext): Promise<Metric[]> {
  await ctx.ensureBuilt()
  const { url } = await ctx.server()
  const text = vcardFile(CONTACTS)
  const dir = mkdtempSync(join(tmpdir(), 'peerplace-contacts-import-'))
  const file = join(dir, `contacts-${CONTACTS}.vcf`)
  writeFileSync(file, text)
  ctx.log(`file: ${CONTACTS} cards, ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB`)
  const runs: Run[] = []
  try {
    for (let i = 0; i < RUNS; i++) {
      const r = await importOnce(
        ctx,
        url,
        file,
        i === 0 ? PROFILE : undefined,
        i === 0 ? WORKER_PROFILE : undefined,
      )
      ctx.log(
        `run ${i + 1}: ${Math.round(r.importMs)} ms to all listed (renderer CPU ` +
          `${Math.round(r.cpuMs)} ms); ${r.longTasks} tasks of 50 ms ` +
          `or more, the longest ${Math.round(r.longestTaskMs)} ms (from ` +
          `+${Math.round(r.longestTaskAt)} ms); longest three ${r.longest3}`,
      )
      runs.push(r)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return [
    {
      name: 'contacts.import_5k_ms',
      value: Math.round(median(runs.map((r) => r.importMs))),
      unit: 'ms',
      runs: RUNS,
    },
    {
      name: 'contacts.import_5k_cpu_ms',
      value: Math.round(median(runs.map((r) => r.cpuMs))),
      unit: 'ms',
      runs: RUNS,
    },
    {
      name: 'contacts.import_longest_task_ms',
      value: Math.round(median(runs.map((r) => r.longestTaskMs))),
      unit: 'ms',
      runs: RUNS,
    },
  ]
}
