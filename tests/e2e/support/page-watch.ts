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

/** Records, in the page, the wall-clock time at which its sync status first names `peer`. */
export async function watchSyncer(page: Page, peer: string): Promise<void> {
  await page.evaluate((expected) => {
    const seen = { at: 0 }
    Object.assign(window, { syncerSeenAt: seen })
    const check = () => {
      const shown = document.querySelector<HTMLElement>('[data-testid="workplace"]')
      if (seen.at === 0 && shown?.dataset.syncer === expected) seen.at = Date.now()
    }
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-syncer'],
    })
    check()
  }, peer)
}

/** When the page first named the peer `watchSyncer` waits for (0: not yet). */
export async function syncerSeenAt(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as unknown as { syncerSeenAt: { at: number } }).syncerSeenAt.at,
  )
}
