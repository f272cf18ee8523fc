import { join } from 'node:path'
import { expect, test } from './support/members.ts'
import { addContact, openContacts, row } from './support/contacts.ts'
import { openWorkplace } from './support/workplace.ts'
import { storedContactRows } from '../support/stored-contact-rows.ts'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vcard')

test('a reopened contact book paints its stored rows before its document loads', async ({
  workplaceWith,
}) => {
  const [ann] = await workplaceWith([])
  await openContacts(ann.page)
  await ann.page
    .getByTestId('contacts-import-input')
    .setInputFiles(join(FIXTURES, 'google-contacts.vcf'))
  await expect(ann.page.getByTestId('contacts-count')).toHaveText('2')
  await addContact(ann.page, 'Zed', 'Stored')
  // The list is stored a while after the book last changed.
  await expect.poll(() => ann.page.evaluate(storedContactRows), { timeout: 15_000 }).toBe(3)

  const page = await ann.reopen('/')
  await openWorkplace(page, 'Acme')
  // Whether rows were on the page while the book still said it was loading its document.
  await page.evaluate(() => {
    const w = window as unknown as { rowsWhileLoading?: boolean }
    w.rowsWhileLoading = false
    new MutationObserver(() => {
      const loading = document.querySelector('[data-testid="contacts-loading"]')
      if (loading && document.querySelector('[data-testid="contact-row"]')) {
        w.rowsWhileLoading = true
      }
    }).observe(document.body, { childList: true, subtree: true })
  })
  await openContacts(page)
  await expect(page.getByTestId('contacts-loading')).toHaveCount(0, { timeout: 30_000 })
  expect(
    await page.evaluate(() => (window as { rowsWhileLoading?: boolean }).rowsWhileLoading),
  ).toBe(true)
  await expect(page.getByTestId('contacts-count')).toHaveText('3')
  await expect(row(page, 'Zed Stored')).toHaveCount(1)
  // Loaded: the book is written to again.
  await addContact(page, 'Amy', 'After')
  await expect(page.getByTestId('contacts-count')).toHaveText('4')
})
