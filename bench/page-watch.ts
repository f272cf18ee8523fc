/**
 * What a benchmark's page was doing when a wait ran out: its console since it opened (every
 * type, with times), and a probe of the page itself (is its thread answering, what it shows,
 * which scripts and wasm it loaded, its service worker, its IndexedDB databases).
 */
import type { Page } from 'playwright-core'
import type { SyncReport } from '../src/crdt/sync/sync-report.ts'

const PROBE_TIMEOUT_MS = 5000

export interface PageWatch {
  /** The console lines and page events so far, one a line, each with ms since the watch began. */
  log(): string
  /** The page's own answer to the probe, or why it gave none. */
  probe(): Promise<string>
  /**
   * Reads the page's sync report every `everyMs` and logs when what it says changes (documents
   * open, linked peers, whom the repo syncs with, whom it holds back); returns a stop function.
   */
  followSync(everyMs?: number): () => void
}

export function watchPage(page: Page): PageWatch {
  const start = performance.now()
  const lines: string[] = []
  const at = () => `+${(performance.now() - start).toFixed(0)}ms`
  page.on('console', (m) => lines.push(`${at()} console.${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => lines.push(`${at()} pageerror: ${e.message}`))
  page.on('crash', () => lines.push(`${at()} crash`))
  page.on('requestfailed', (r) => lines.push(`${at()} request failed: ${r.url()}`))
  page.on('load', () => lines.push(`${at()} load`))
  return {
    log: () => lines.join('\n'),
    followSync(everyMs = 100) {
      let last = ''
      const timer = setInterval(() => {
        if (page.isClosed()) return
        page
          .evaluate(() => {
            // No named inner functions: the bench's compiler would wrap them in a helper the
            // page does not have.
            const r = (
              window as unknown as { peerplaceSyncReport?: () => SyncReport }
            ).peerplaceSyncReport?.()
            if (!r) return 'no report (workplaces not loaded)'
            return [
              `linked [${r.linked.map((id) => id.slice(0, 4)).join(',')}]`,
              `syncs with [${r.network.announced.map((id) => id.slice(0, 4)).join(',')}]`,
              `held [${r.network.held.map((h) => h.peer.slice(0, 4)).join(',')}]`,
              `docs ${r.documents.filter((d) => d.state === 'ready').length}`,
            ].join(' ')
          })
          .then(
            (now) => {
              if (now !== last) lines.push(`${at()} sync: ${(last = now)}`)
            },
            () => undefined,
          )
      }, everyMs)
      return () => clearInterval(timer)
    },
    async probe() {
      if (page.isClosed()) return '(page closed)'
      const read = page.evaluate(async () => {
        const main = document.querySelector('main')?.textContent?.replace(/\s+/g, ' ').trim()
        const resources = performance
          .getEntriesByType('resource')
          .map(
            (e) =>
              `${new URL(e.name).pathname} ${e.startTime.toFixed(0)}-${(e as PerformanceResourceTiming).responseEnd.toFixed(0)}`,
          )
        const databases = await Promise.race([
          indexedDB
            .databases()
            .then((list) => list.map((d) => `${d.name}@${d.version}`).join(', ')),
          new Promise<string>((resolve) => setTimeout(() => resolve('(databases() hung)'), 2000)),
        ])
        const sw = navigator.serviceWorker
        const registration = await Promise.race([
          sw
            .getRegistration()
            .then((r) =>
              r
                ? `installing=${r.installing?.state} waiting=${r.waiting?.state} active=${r.active?.state}`
                : 'none',
            ),
          new Promise<string>((resolve) => setTimeout(() => resolve('(hung)'), 2000)),
        ])
        return [
          `readyState ${document.readyState}, ${performance.now().toFixed(0)} ms since navigation`,
          `main: ${main?.slice(0, 300)}`,
          `service worker: controller=${sw.controller?.state ?? 'none'} registration ${registration}`,
          `databases: ${databases}`,
          `resources: ${resources.join('; ')}`,
        ].join('\n')
      })
      const late = new Promise<string>((resolve) =>
        setTimeout(
          () => resolve(`(no answer in ${PROBE_TIMEOUT_MS} ms: thread busy?)`),
          PROBE_TIMEOUT_MS,
        ),
      )
      return Promise.race([read.catch((e: unknown) => `(probe failed: ${String(e)})`), late])
    },
  }
}
