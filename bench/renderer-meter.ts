/**
 * Per-page renderer measurements over the Chrome DevTools Protocol, for benchmarks that drive the
 * app in Chromium: CPU throttling (`Emulation.setCPUThrottlingRate`, as Lighthouse models a
 * mid-range phone with rate 4), the main thread's busy time (`Performance.getMetrics`), and an
 * optional JavaScript CPU profile (`Profiler`) to find where that time goes.
 */
import { writeFileSync } from 'node:fs'
import type { Browser, CDPSession, Page } from 'playwright-core'

/** Main-thread time the renderer reports, in milliseconds since its start. */
export interface BusyTime {
  /** Every task run on the page's main thread (script, style, layout, paint, GC, ...). */
  taskMs: number
  /** The part of it running JavaScript. */
  scriptMs: number
  /** Layouts the page has run (a frame that lays out, or a layout script forced). */
  layouts: number
}

export class RendererMeter {
  readonly #session: CDPSession

  private constructor(session: CDPSession) {
    this.#session = session
  }

  /** Attaches to the page; its metrics are collected from now on. */
  static async attach(page: Page): Promise<RendererMeter> {
    const session = await page.context().newCDPSession(page)
    await session.send('Performance.enable', { timeDomain: 'timeTicks' })
    return new RendererMeter(session)
  }

  /** Slows the page's CPU `rate` times (1: full speed). */
  async throttle(rate: number): Promise<void> {
    await this.#session.send('Emulation.setCPUThrottlingRate', { rate })
  }

  async busy(): Promise<BusyTime> {
    const { metrics } = await this.#session.send('Performance.getMetrics')
    const value = (name: string) => {
      const metric = metrics.find((m) => m.name === name)
      if (!metric) throw new Error(`the renderer reports no ${name} metric`)
      return metric.value
    }
    return {
      taskMs: value('TaskDuration') * 1000,
      scriptMs: value('ScriptDuration') * 1000,
      layouts: value('LayoutCount'),
    }
  }

  /**
   * What to add to the page's `performance.now()` to get the renderer's monotonic clock, which a
   * CPU profile's timestamps use (both in milliseconds; within the evaluations' round trip).
   */
  async profileClockOffset(page: Page): Promise<number> {
    const before = await page.evaluate(() => performance.now())
    const { metrics } = await this.#session.send('Performance.getMetrics')
    const after = await page.evaluate(() => performance.now())
    const timestamp = metrics.find((m) => m.name === 'Timestamp')
    if (!timestamp) throw new Error('the renderer reports no Timestamp metric')
    return timestamp.value * 1000 - (before + after) / 2
  }

  /** Starts sampling JavaScript (every `intervalUs` microseconds). */
  async startProfile(intervalUs = 1000): Promise<void> {
    await this.#session.send('Profiler.enable')
    await this.#session.send('Profiler.setSamplingInterval', { interval: intervalUs })
    await this.#session.send('Profiler.start')
  }

  /** Stops sampling and writes the profile (a `.cpuprofile` DevTools opens) to `path`. */
  async stopProfile(path: string): Promise<void> {
    const { profile } = await this.#session.send('Profiler.stop')
    writeFileSync(path, JSON.stringify(profile))
  }

  async detach(): Promise<void> {
    await this.#session.detach().catch(() => {})
  }
}

/** Busy time spent between two readings. */
export function busyBetween(before: BusyTime, after: BusyTime): BusyTime {
  return {
    taskMs: after.taskMs - before.taskMs,
    scriptMs: after.scriptMs - before.scriptMs,
    layouts: after.layouts - before.layouts,
  }
}

/**
 * CPU time used by all of a browser's renderer processes (CDP `SystemInfo.getProcessInfo`):
 * unlike the pages' task durations, it does not grow while other programs hold the CPU.
 */
export class RenderersCpu {
  readonly #session: CDPSession

  private constructor(session: CDPSession) {
    this.#session = session
  }

  static async attach(browser: Browser): Promise<RenderersCpu> {
    return new RenderersCpu(await browser.newBrowserCDPSession())
  }

  /** CPU milliseconds used so far by each renderer process running now, by process ID. */
  async read(): Promise<Map<number, number>> {
    const { processInfo } = await this.#session.send('SystemInfo.getProcessInfo')
    return new Map(
      processInfo.filter((p) => p.type === 'renderer').map((p) => [p.id, p.cpuTime * 1000]),
    )
  }

  async detach(): Promise<void> {
    await this.#session.detach().catch(() => {})
  }
}

/**
 * Renderer CPU milliseconds spent between two readings: a process started in between counts
 * whole; one that ended in between is lost (`ended` says how many).
 */
export function cpuBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): { ms: number; ended: number } {
  let ms = 0
  for (const [id, cpu] of after) ms += cpu - (before.get(id) ?? 0)
  const ended = [...before.keys()].filter((id) => !after.has(id)).length
  return { ms, ended }
}
