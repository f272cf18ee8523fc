import { expect, test } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { backToList, openContact, openContacts } from './support/contacts.ts'
import { openDevice, trackDevices } from './support/device.ts'
import { createWorkplace } from './support/workplace.ts'

const devices = trackDevices()

const COUNT = 1500
/** Rows in view plus a few either side: far fewer than the book, whatever its size. */
const MAX_ROWS_IN_PAGE = 60

function vcardFile(count: number): string {
  const cards: string[] = []
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, '0')
    cards.push(
      ['BEGIN:VCARD', 'VERSION:3.0', `N:Tester;Person${n};;;`, `FN:Person${n} Tester`]
        .concat([`TEL;type=CELL:+1 555 ${n}`, 'END:VCARD'])
        .join('\r\n'),
    )
  }
  return cards.join('\r\n') + '\r\n'
}

test('a long contact list puts only the rows in view in the page, and scrolls to its end', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const file = test.info().outputPath('contacts-1500.vcf')
  writeFileSync(file, vcardFile(COUNT))
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  const { page } = ann
  await createWorkplace(page, 'Acme')
  await openContacts(page)
  await page.getByTestId('contacts-import-input').setInputFiles(file)
  await expect(page.getByTestId('contacts-import-result')).toContainText(`${COUNT} new`, {
    timeout: 150_000,
  })
  await expect(page.getByTestId('contacts-count')).toHaveText(String(COUNT))

  const rows = page.getByTestId('contact-row')
  const names = page.getByTestId('contact-row-name')
  await expect(names.first()).toHaveText('Person0000 Tester')
  expect(await rows.count()).toBeLessThanOrEqual(MAX_ROWS_IN_PAGE)
  // The list is as tall as all its rows, so the scroll bar is that of the whole book.
  const scroller = page.getByTestId('contacts-list-scroller')
  const rowHeight = await rows.first().evaluate((el) => el.getBoundingClientRect().height)
  const height = await scroller.evaluate((el) => el.scrollHeight)
  expect(height).toBeGreaterThanOrEqual(COUNT * rowHeight - 1)

  // Scrolled to the end, the last contacts are in the page (and the first ones no longer).
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight))
  await expect(names.last()).toHaveText('Person1499 Tester')
  await expect(page.getByText('Person0000 Tester')).toHaveCount(0)
  expect(await rows.count()).toBeLessThanOrEqual(MAX_ROWS_IN_PAGE)
  await openContact(page, 'Person1499 Tester')

  // A search narrows the list as before.
  await page.getByTestId('contacts-search').fill('Person0042')
  await expect(names).toHaveText(['Person0042 Tester'])

  // On a phone the detail replaces the list: back from a contact far down, rows are in view.
  await page.setViewportSize({ width: 390, height: 844 })
  await backToList(page)
  await page.getByTestId('contacts-search').fill('')
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2))
  await expect(names.first()).not.toHaveText('Person0000 Tester')
  const far = (await names.nth(10).textContent()) ?? ''
  await openContact(page, far)
  await page.getByTestId('contacts-back').click()
  // The row at the top of the list's visible part is in the page (not padding).
  const atTop = () =>
    scroller.evaluate((el) => {
      const box = el.getBoundingClientRect()
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + 10)
      return hit?.closest('[data-testid="contact-row"]')?.textContent?.trim() ?? ''
    })
  await expect.poll(atTop, { message: 'a contact row at the top of the list' }).toMatch(/Person\d+/)
})
