import { expect, type Page } from '@playwright/test'

// Steps on the Contacts tab that several specs take.

export async function openContacts(page: Page) {
  await page.getByTestId('tab-contacts').click()
  await expect(page.getByTestId('contacts-panel')).toBeVisible()
}

export function row(page: Page, name: string) {
  return page.getByTestId('contact-row').filter({ hasText: name })
}

export async function openContact(page: Page, name: string) {
  await row(page, name).getByTestId('contact-row-open').click()
  await expect(page.getByTestId('contact-name')).toHaveText(name)
}

/** On a narrow screen the detail replaces the list; on a wide one they stand side by side. */
export async function backToList(page: Page) {
  const back = page.getByTestId('contacts-back')
  if (await back.isVisible()) await back.click()
}

export async function editContact(page: Page, name: string, edit: (page: Page) => Promise<void>) {
  await openContact(page, name)
  await page.getByTestId('contact-edit').click()
  await edit(page)
  await page.getByTestId('contact-save').click()
  await expect(page.getByTestId('contact-detail')).toBeVisible()
  await backToList(page)
}

export async function addContact(page: Page, given: string, family: string) {
  await page.getByTestId('contacts-new').click()
  await page.getByTestId('contact-input-given').fill(given)
  await page.getByTestId('contact-input-family').fill(family)
  await page.getByTestId('phone-value').first().fill('+1 555 0100')
  await page.getByTestId('email-value').first().fill('old@example.org')
  await page.getByTestId('contact-save').click()
  await expect(page.getByTestId('contact-detail')).toBeVisible()
  await backToList(page)
}

/** `count` 3.0 cards as a phone exports them: Person<i> Tester, a phone, an email. */
export function phoneVcards(count: number): string {
  const cards: string[] = []
  for (let i = 0; i < count; i++)
    cards.push(
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        `N:Tester;Person${i};;;`,
        `FN:Person${i} Tester`,
        `TEL;type=CELL:+1 555 ${String(i).padStart(5, '0')}`,
        `EMAIL;type=INTERNET:p${i}@example.com`,
        'END:VCARD',
      ].join('\r\n'),
    )
  return cards.join('\r\n') + '\r\n'
}
