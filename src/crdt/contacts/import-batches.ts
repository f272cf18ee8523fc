import type { ContactBook } from './contact-book.ts'
import type { ImportProgressOptions, ImportResult } from './contact-book-api.ts'
import { ContactFeed } from './contact-feed.ts'
import { ImportMatcher } from './contact-merge.ts'
import type { ContactInput } from './contact-model.ts'
import { nextTask } from '../../lib/next-task.ts'

export interface BatchImportOptions extends ImportProgressOptions {
  /** Time one batch may take on the main thread; the batch size follows it. */
  budgetMs?: number
  /**
   * Contacts in the first batch (10 by default: it runs cold, code not yet optimised, and can
   * take ten times as long); a worker, where no input waits, can start bigger.
   */
  firstBatch?: number
  now?: () => number
  /** Lets the page handle input and paint between batches. */
  pause?: () => Promise<void>
}

const FIRST_BATCH = 10
const MAX_BATCH = 1000
/** How much faster than the last a batch may grow: one quick batch must not make the next long. */
const MAX_GROWTH = 1.5
const INDEX_SLICE = 1000

/**
 * Imports contacts in batches, each one change (merged as ContactBook.importContacts does), with
 * a pause between them, so a big import never holds the main thread for long. The batch size is
 * adjusted to take about `budgetMs`. Contacts still arriving (a ContactFeed) are written as they
 * come: a batch takes what is there, up to its size, rather than wait for more.
 */
export async function importInBatches(
  book: Pick<ContactBook, 'load' | 'search' | 'get' | 'applyImport'>,
  contacts: readonly ContactInput[] | ContactFeed,
  options: BatchImportOptions = {},
): Promise<ImportResult & { cancelled: boolean }> {
  const now = options.now ?? (() => performance.now())
  const pause = options.pause ?? nextTask
  const budget = options.budgetMs ?? 40
  const total: ImportResult & { cancelled: boolean } = {
    added: [],
    updated: [],
    skipped: 0,
    ids: [],
    cancelled: false,
  }
  // Until the book has read its document, it shows what it stored and cannot write.
  await book.load()
  // The book's contacts are indexed for matching once, in slices between pauses.
  const matcher = new ImportMatcher()
  const existing = book.search()
  for (let i = 0; i < existing.length; i += INDEX_SLICE) {
    for (const c of existing.slice(i, i + INDEX_SLICE)) matcher.add(c)
    if (i + INDEX_SLICE < existing.length) await pause()
  }
  const feed = contacts instanceof ContactFeed ? contacts : ContactFeed.of(contacts)
  let size = options.firstBatch ?? FIRST_BATCH
  let done = 0
  while (done < feed.total) {
    const batch = options.signal?.aborted ? [] : await feed.take(size, options.signal)
    if (batch.length === 0) {
      total.cancelled = true
      break
    }
    const started = now()
    const result = book.applyImport(matcher.plan(batch))
    matcher.settle(result.ids, (id) => book.get(id))
    const took = now() - started
    total.added.push(...result.added)
    total.updated.push(...result.updated)
    total.skipped += result.skipped
    total.ids.push(...result.ids)
    done += batch.length
    options.onProgress?.(done, feed.total)
    // Sized from the batch written: one cut short by contacts still arriving grows from its own size.
    const factor = Math.max(0.5, Math.min(MAX_GROWTH, budget / Math.max(took, 1)))
    size = Math.max(10, Math.min(MAX_BATCH, Math.round(batch.length * factor)))
    if (done < feed.total) await pause()
  }
  return total
}
