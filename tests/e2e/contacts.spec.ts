import type { Page } from '@playwright/test'
import { join } from 'node:path'
import type { Device } from './support/device.ts'
import { expect, test, type WorkplaceWith } from './support/members.ts'
import {
  addContact,
  backToList,
  editContact,
  openContact,
  openContacts,
  row,
} from './support/contacts.ts'
import { expectMembers, openWorkplace } from './support/workplace.ts'

const SETTINGS = 'peerplace.connection-settings'
// A relay and a broker where nothing listens: the device reaches no signaling and no peers.
const UNREACHABLE = JSON.stringify({
  relays: ['ws://127.0.0.1:9/relay'],
  peerjs: 'http://127.0.0.1:9/peerjs',
  iceServers: [],
})
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vcard')

/** Ann and Bob in one workplace, both on the Contacts tab. */
async function twoMembers(workplaceWith: WorkplaceWith) {
  const [ann, bob] = await workplaceWith(['Bob'])
  await expectMembers(bob.page, ['Ann', 'Bob'])
  for (const d of [ann, bob]) await openContacts(d.page)
  return { ann, bob }
}

/** Closes the device's page and reopens it alone (no relay, no peers), on the Contacts tab. */
async function goOffline(device: Device): Promise<Page> {
  await device.page.evaluate(([k, v]) => localStorage.setItem(k!, v!), [SETTINGS, UNREACHABLE])
  await device.page.close()
  device.allow.push(/WebSocket connection to 'wss?:\/\/127\.0\.0\.1:9\/(relay|peerjs)/)
  // The ICE servers are asked of the same unreachable origin.
  device.allow.push(/Failed to load resource: net::ERR_UNSAFE_PORT/)
  const page = await device.reopen('/')
  await openWorkplace(page, 'Acme')
  await openContacts(page)
  return page
}

async function comeBack(page: Page): Promise<void> {
  await page.evaluate((k) => localStorage.removeItem(k), SETTINGS)
  await page.reload()
  await openWorkplace(page, 'Acme')
  await expect(page.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
  await openContacts(page)
}

test('edits of different fields made offline on two devices are both kept', async ({
  workplaceWith,
}) => {
  const { ann, bob } = await twoMembers(workplaceWith)
  await addContact(ann.page, 'Grace', 'Hopper')
  await expect(row(bob.page, 'Grace Hopper')).toBeVisible()

  const annAlone = await goOffline(ann)
  const bobAlone = await goOffline(bob)
  await editContact(annAlone, 'Grace Hopper', (p) =>
    p.getByTestId('phone-value').first().fill('+1 555 0199'),
  )
  await editContact(bobAlone, 'Grace Hopper', (p) =>
    p.getByTestId('email-value').first().fill('grace@example.org'),
  )
  await comeBack(annAlone)
  await comeBack(bobAlone)
  for (const page of [annAlone, bobAlone]) {
    await openContact(page, 'Grace Hopper')
    await expect(page.getByTestId('contact-phone')).toContainText('+1 555 0199')
    await expect(page.getByTestId('contact-email')).toContainText('grace@example.org')
    await expect(page.getByTestId('contact-conflicts')).toHaveCount(0)
  }

  // "Save as contact" on a member fills in what is known of them.
  await annAlone.getByTestId('tab-people').click()
  await annAlone
    .getByTestId('member')
    .filter({ hasText: 'Bob' })
    .getByRole('button', { name: /save .*contact/i })
    .click()
  await openContacts(annAlone)
  await expect(row(annAlone, 'Bob')).toBeVisible()
  await expect(row(bobAlone, 'Bob')).toBeVisible()
})

test('the same field edited offline on two devices shows a conflict any member resolves', async ({
  workplaceWith,
}) => {
  const { ann, bob } = await twoMembers(workplaceWith)
  await addContact(ann.page, 'Alan', 'Turing')
  await expect(row(bob.page, 'Alan Turing')).toBeVisible()

  const annAlone = await goOffline(ann)
  const bobAlone = await goOffline(bob)
  await editContact(annAlone, 'Alan Turing', (p) =>
    p.getByTestId('contact-input-org').fill('Bletchley'),
  )
  await editContact(bobAlone, 'Alan Turing', (p) =>
    p.getByTestId('contact-input-org').fill('Manchester'),
  )
  await comeBack(annAlone)
  await comeBack(bobAlone)
  for (const [page, other] of [
    [annAlone, 'Bob'],
    [bobAlone, 'Ann'],
  ] as const) {
    await expect(row(page, 'Alan Turing').getByTestId('contact-row-conflict')).toBeVisible()
    await openContact(page, 'Alan Turing')
    const values = page.getByTestId('conflict').getByTestId('conflict-value-text')
    await expect
      .poll(async () => (await values.allTextContents()).sort())
      .toEqual(['Bletchley', 'Manchester'])
    // Each value names who wrote it: the other member, or "You".
    await expect(
      page.getByTestId('conflict-writer').filter({ hasText: `by ${other}` }),
    ).toHaveCount(1)
    await expect(page.getByTestId('conflict-writer').filter({ hasText: 'by You' })).toHaveCount(1)
  }
  await annAlone
    .getByTestId('conflict-value')
    .filter({ hasText: 'Manchester' })
    .getByTestId('conflict-keep')
    .click()
  for (const page of [annAlone, bobAlone]) {
    await expect(page.getByTestId('contact-conflicts')).toHaveCount(0)
    await expect(page.getByTestId('contact-field').filter({ hasText: 'Manchester' })).toBeVisible()
  }
})

test('a phone’s 200-contact export imports whole; a malformed file imports nothing', async ({
  workplaceWith,
}) => {
  const { ann, bob } = await twoMembers(workplaceWith)
  await ann.page
    .getByTestId('contacts-import-input')
    .setInputFiles(join(FIXTURES, 'phone-export-200.vcf'))
  await expect(ann.page.getByTestId('contacts-import-result')).toContainText('200')
  await expect(ann.page.getByTestId('contacts-count')).toHaveText('200')
  await expect(bob.page.getByTestId('contacts-count')).toHaveText('200')

  await bob.page.getByTestId('contacts-import-input').setInputFiles({
    name: 'broken.vcf',
    mimeType: 'text/vcard',
    buffer: Buffer.from(
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fine Person\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nTEL;TYPE=CELL\r\nEND:VCARD\r\n',
    ),
  })
  await expect(bob.page.getByTestId('contacts-import-error')).toBeVisible()
  await expect(bob.page.getByTestId('import-error-line').first()).toHaveAttribute('data-line', '8')
  await expect(bob.page.getByTestId('contacts-count')).toHaveText('200')
  await expect(ann.page.getByTestId('contacts-count')).toHaveText('200')
})

test('a rich vCard imports with every field on screen; importing it again adds nothing', async ({
  workplaceWith,
}) => {
  const [ann] = await workplaceWith([])
  const page = ann.page
  await openContacts(page)
  const importFile = (file: string) =>
    page.getByTestId('contacts-import-input').setInputFiles(join(FIXTURES, file))

  await importFile('google-contacts.vcf')
  await expect(page.getByTestId('import-added')).toHaveText('2 new')
  await expect(page.getByTestId('contacts-count')).toHaveText('2')
  await openContact(page, 'Dr. Ann Marie Lee Jr.')
  const field = (name: string) =>
    page.getByTestId('contact-field').and(page.locator(`[data-field="${name}"]`))
  // The display name already is the full name, so no separate "Name" row.
  await expect(field('name')).toHaveCount(0)
  await expect(field('nickname')).toHaveText('Annie')
  await expect(field('org')).toHaveText('Acme Corp')
  await expect(field('department')).toHaveText('Research')
  await expect(field('title')).toHaveText('Head of Research, Europe')
  await expect(field('birthday')).toHaveText('12 April 1985')
  await expect(field('anniversary')).toHaveText('19 June 2010')
  await expect(field('notes')).toHaveText(
    'Met at the Lisbon conference.\nPrefers email; never calls.',
  )
  await expect(page.getByTestId('contact-phone')).toHaveText([
    '+44 7700 900123',
    '+44 20 7946 0123',
  ])
  await expect(page.getByTestId('contact-phone').first()).toHaveAttribute('data-label', 'mobile')
  await expect(page.getByTestId('contact-email')).toHaveText([
    'ann@home.example',
    'ann.lee@acme.example',
  ])
  await expect(page.getByTestId('contact-address')).toHaveText(
    'Flat 3, 1 Main Street, SW1A 1AA London, United Kingdom',
  )
  await expect(page.getByTestId('contact-url')).toHaveText('https://ann.example/blog')
  await expect(page.getByTestId('contact-url')).toHaveAttribute('data-label', 'Blog')
  await expect(page.getByTestId('contact-tags')).toContainText('myContacts')
  await backToList(page)

  await importFile('apple-contacts.vcf')
  await expect(page.getByTestId('import-added')).toHaveText('1 new')
  await expect(page.getByTestId('import-unmapped-item')).toHaveText([
    'X-ABADR (1)',
    'X-ABSHOWAS (1)',
  ])
  await expect(row(page, 'Chidi Okafor').getByTestId('contact-row-photo')).toBeVisible()
  await openContact(page, 'Chidi Okafor')
  await expect(field('birthday')).toHaveText('6 May')
  await expect(page.getByTestId('contact-phone').nth(1)).toHaveAttribute('data-label', 'Boat')
  await expect(page.getByTestId('contact-im')).toHaveText([
    'skype:chidi.okafor',
    'https://twitter.com/chidi',
  ])
  const photo = page.getByTestId('contact-photo')
  await expect(photo).toBeVisible()
  expect(await photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(12)
  await backToList(page)

  await importFile('google-contacts.vcf')
  await expect(page.getByTestId('import-added')).toHaveText('0 new')
  await expect(page.getByTestId('import-skipped')).toHaveText('2 already up to date')
  await expect(page.getByTestId('contacts-count')).toHaveText('3')
})
