import type { Page } from '@playwright/test'
import { showPeople } from './workplace.ts'

/** The peer IDs the open workplace's People tab lists, sorted. */
export async function shownPeers(page: Page): Promise<string[]> {
  await showPeople(page)
  const peers = await page
    .getByTestId('member')
    .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.peer ?? ''))
  return peers.sort()
}

/** One document's heads as the page shows them (`data-heads`), or '' while it has none. */
export async function docHeads(page: Page, doc: string): Promise<string> {
  const all = (await page.getByTestId('workplace').getAttribute('data-heads')) ?? ''
  const entry = all.split(' ').find((e) => e.startsWith(`${doc}:`))
  return entry ? entry.slice(doc.length + 1) : ''
}

/**
 * Records, in the page, the wall-clock time at which its sync status first names `peer`, and
 * the longest its main thread was late for a 50 ms timer meanwhile (a starved page is late at
 * everything by as much).
 */
export async function watchSyncer(page: Page, peer: string): Promise<void> {
  // Run under tsx (the bench), the function below calls esbuild's `__name`, which pages lack.
  await page.evaluate('globalThis.__name ??= (fn) => fn')
  await page.evaluate((expected) => {
    const seen = { at: 0, stallMs: 0 }
    Object.assign(window, { syncerSeenAt: seen })
    let last = performance.now()
    const lag = setInterval(() => {
      const now = performance.now()
      seen.stallMs = Math.max(seen.stallMs, Math.round(now - last - 50))
      last = now
    }, 50)
    const check = () => {
      const shown = document.querySelector<HTMLElement>('[data-testid="workplace"]')
      if (seen.at !== 0 || shown?.dataset.syncer !== expected) return
      seen.at = Date.now()
      clearInterval(lag)
    }
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-syncer'],
    })
    check()
  }, peer)
}

/** When the page first named the peer `watchSyncer` waits for (at 0: not yet), and its stall. */
export async function syncerSeenAt(page: Page): Promise<{ at: number; stallMs: number }> {
  return page.evaluate(
    () => (window as unknown as { syncerSeenAt: { at: number; stallMs: number } }).syncerSeenAt,
  )
}
