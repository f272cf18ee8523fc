import { writeFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import { expect, test } from './support/members.ts'
import { openContacts, phoneVcards } from './support/contacts.ts'
import { openWorkplace } from './support/workplace.ts'

const COUNT = 5000
/**
 * The longest task the page may run while the book loads again. The goal is 100 ms on a quiet
 * machine; this bound leaves room for a busy two-core one (under a load average of 15, tasks
 * take several times as long). With the book's Automerge work on the page, loading this book
 * was one task of 0.6 s quiet (4-8 s busy).
 */
const MAX_TASK_MS = 400
/**
 * While the import writes: the page parses nothing and writes nothing (the parse and the
 * Automerge changes run in workers), but takes in the file's contacts once and the rows as they
 * are written; busy, those tasks reached 540 ms here, and in the old design (every change on the
 * page) 340 ms as well, so this bound only catches the page holding on for whole seconds.
 */
const MAX_IMPORT_TASK_MS = 1500

/** Records the page's long tasks and how long each key waited for its handler, from now. */
async function watchPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __tasks: number[]; __keys: number[] }
    w.__tasks = []
    w.__keys = []
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__tasks.push(e.duration)
    }).observe({ type: 'longtask' })
    document.addEventListener('keydown', (e) => w.__keys.push(performance.now() - e.timeStamp))
  })
}

async function watched(page: Page): Promise<{ longest: number; keys: number[] }> {
  return page.evaluate(() => {
    const w = window as unknown as { __tasks: number[]; __keys: number[] }
    return { longest: Math.max(0, ...w.__tasks), keys: w.__keys }
  })
}

/** Types into the search while the book works; resolves once the text is in the box. */
async function typeSearch(page: Page, text: string): Promise<void> {
  const search = page.getByTestId('contacts-search')
  await search.click()
  await search.pressSequentially(text, { delay: 30 })
  await expect(search).toHaveValue(text)
}

test('the page answers input while 5,000 contacts import and while the book loads again', async ({
  workplaceWith,
}) => {
  test.setTimeout(300_000)
  const file = test.info().outputPath('contacts-5000.vcf')
  writeFileSync(file, phoneVcards(COUNT))
  const [ann] = await workplaceWith([])
  await openContacts(ann.page)

  await watchPage(ann.page)
  await ann.page.getByTestId('contacts-import-input').setInputFiles(file)
  await expect(ann.page.getByTestId('contacts-import-progress')).toContainText('Importing', {
    timeout: 60_000,
  })
  await typeSearch(ann.page, 'Person12')
  await expect(ann.page.getByTestId('contacts-import-result')).toContainText(`${COUNT} new`, {
    timeout: 180_000,
  })
  await expect(ann.page.getByTestId('contacts-count')).toHaveText(String(COUNT))
  const importing = await watched(ann.page)
  expect(importing.keys).toHaveLength('Person12'.length)
  expect(importing.longest, 'the longest task of the import').toBeLessThan(MAX_IMPORT_TASK_MS)
  expect(Math.max(...importing.keys), 'the longest a key waited').toBeLessThan(MAX_IMPORT_TASK_MS)
  // The rows the list shows are what the search found in the imported book.
  for (const name of await ann.page.getByTestId('contact-row-name').allTextContents())
    expect(name).toContain('Person12')

  // The book is stored; a new page loads it from storage.
  await ann.page.waitForTimeout(3000)
  await ann.page.close()
  const page = await ann.reopen('/')
  await openWorkplace(page, 'Acme')
  await watchPage(page)
  await openContacts(page)
  await typeSearch(page, 'Person4999')
  await expect(page.getByTestId('contacts-loading')).toHaveCount(0, { timeout: 60_000 })
  await expect(page.getByTestId('contacts-count')).toHaveText(String(COUNT))
  await expect(page.getByTestId('contact-row-name')).toHaveText(['Person4999 Tester'])
  const opening = await watched(page)
  expect(opening.longest, 'the longest task of the open').toBeLessThan(MAX_TASK_MS)
  expect(Math.max(...opening.keys), 'the longest a key waited').toBeLessThan(MAX_TASK_MS)
})
