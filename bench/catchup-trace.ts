/**
 * Where a returning member's catch-up went: the start-up marks its page left (src/lib/
 * start-trace.ts) read back after each round, as ms since the round began, and per-step medians
 * over the rounds.
 */
import type { Page } from 'playwright-core'
import { median } from './harness.ts'

interface Mark {
  step: string
  /** ms since the round began (the benchmark's clock, through the epoch). */
  at: number
  detail: string
}

/** The steps summarised per round, each as the time of its first mark (or a message's). */
const STEPS = [
  'peer-session',
  'document-layer',
  'relay-welcome',
  'dial',
  'rtc-out',
  'rtc-in',
  'rtc-open',
  'pipe',
  'link-up',
  'links',
  'linked-first',
  'root-found',
  'root-open',
  'workplaces-loaded',
  'sync-start',
  'root out 1',
  'root in 1',
  'root in last',
  'heads equal',
] as const

export class CatchupTrace {
  readonly #rounds: Map<string, number>[] = []

  /** Reads the page's marks; `startedAt` is Date.now() when the round began. */
  async read(page: Page, startedAt: number, rootDoc: string, equalAt: number): Promise<Mark[]> {
    const { origin, marks } = await page.evaluate(() => ({
      origin: performance.timeOrigin,
      marks: performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith('peerplace:'))
        .map((m) => [m.name.slice(10), m.startTime, String((m as PerformanceMark).detail ?? '')]),
    }))
    const list = marks.map(([step, t, detail]) => ({
      step: String(step),
      at: origin + Number(t) - startedAt,
      detail: String(detail),
    }))
    const steps = new Map<string, number>()
    const root = rootDoc.slice(0, 6)
    for (const mark of list) {
      if (!steps.has(mark.step)) steps.set(mark.step, mark.at)
      const dir = mark.step === 'repo-out' ? 'out' : mark.step === 'repo-in' ? 'in' : undefined
      if (dir && mark.detail.split(' ')[2] === root) {
        if (!steps.has(`root ${dir} 1`)) steps.set(`root ${dir} 1`, mark.at)
        if (dir === 'in' && mark.at <= equalAt) steps.set('root in last', mark.at)
      }
    }
    steps.set('heads equal', equalAt)
    this.#rounds.push(steps)
    return list
  }

  /** One round's steps on one line, and the root document's messages with their times. */
  line(marks: Mark[], rootDoc: string): string {
    const steps = this.#rounds.at(-1)!
    const summary = STEPS.map((s) => `${s} ${steps.get(s)?.toFixed(0) ?? '-'}`).join(', ')
    const root = rootDoc.slice(0, 6)
    const messages = marks
      .filter((m) => m.step.startsWith('repo-') && m.detail.split(' ')[2] === root)
      .map((m) => `${m.at.toFixed(0)} ${m.step === 'repo-out' ? '>' : '<'}${m.detail}`)
    const rtc = marks
      .filter((m) => m.step.startsWith('rtc-') || m.step === 'chunks')
      .map((m) => `${m.at.toFixed(0)} ${m.step.slice(4)} ${m.detail}`)
    return `${summary}\n  rtc: ${rtc.join('; ')}\n  root messages: ${messages.join('; ')}`
  }

  /** Each step's median over the rounds that reached it. */
  medians(): string {
    return STEPS.map((s) => {
      const values = this.#rounds.map((r) => r.get(s)).filter((v) => v !== undefined)
      return `${s} ${values.length ? median(values).toFixed(0) : '-'}`
    }).join(', ')
  }
}
