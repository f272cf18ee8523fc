import type { Page } from 'playwright-core'

/** A long task of the page, `at` ms after the mark (negative: it began before and ran past it). */
export interface MarkedTask {
  at: number
  duration: number
}

/**
 * From before the app starts, records the page's long tasks (Long Tasks API) and marks the time
 * of the latest `event` on an element matching `selector` (`window.__benchMark`), what a bench
 * measures from.
 */
export async function watchLongTasks(
  page: Page,
  event: 'click' | 'change',
  selector: string,
): Promise<void> {
  await page.addInitScript(
    ({ event, selector }) => {
      const w = window as unknown as {
        __tasks: { start: number; duration: number }[]
        __benchMark?: number
      }
      w.__tasks = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries())
          w.__tasks.push({ start: e.startTime, duration: e.duration })
      }).observe({ type: 'longtask', buffered: true })
      document.addEventListener(
        event,
        (e) => {
          if ((e.target as Element).closest(selector)) w.__benchMark = performance.now()
        },
        true,
      )
    },
    { event, selector },
  )
}

/** The long tasks that ended after the mark (see `watchLongTasks`). */
export function longTasksSinceMark(page: Page): Promise<MarkedTask[]> {
  return page.evaluate(() => {
    const w = window as unknown as {
      __tasks: { start: number; duration: number }[]
      __benchMark: number
    }
    return w.__tasks
      .filter((t) => t.start + t.duration >= w.__benchMark)
      .map((t) => ({ at: t.start - w.__benchMark, duration: t.duration }))
  })
}
