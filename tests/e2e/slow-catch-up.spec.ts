import { writeFileSync } from 'node:fs'
import { expect, test, type Page } from '@playwright/test'
import { phoneVcards } from './support/contacts.ts'
import { message, openChat } from './support/chat.ts'
import { openDevice, peerIdOf, trackDevices } from './support/device.ts'
import { useTurnPath } from './support/turn-path.ts'
import { createInvite, createWorkplace, expectMembers, syncer } from './support/workplace.ts'

// A member joins on a narrow path (500 kbit/s through a TURN server, as on poor mobile data)
// a workplace whose contact book is big: its catch-up takes many seconds. A message written
// meanwhile must not wait for all of it, nor may the newcomer believe itself alone meanwhile:
// a long sync message of one document holds up neither other documents nor presence.

const SECRET = 'e2e-slow-catch-up-secret'
const CONTACTS = 12_000
/** Two trips through the forwarder each way (device to TURN, TURN to device). */
const PATH = { delayMs: 40, rateKbps: 500, queueMs: 400, seed: 3 }
const STEP_MS = 120_000

const path = useTurnPath(SECRET)
const devices = trackDevices()

async function contactsCount(page: Page): Promise<number> {
  await page.getByTestId('tab-contacts').click()
  return Number((await page.getByTestId('contacts-count').textContent()) ?? 0)
}

test('a message reaches a member catching up a big contact book on a narrow path', async ({
  browser,
}) => {
  test.setTimeout(360_000)
  const settings = { relayOnly: true }
  const ann = await openDevice(browser, 'Ann', path.server.address.url, settings)
  devices.push(ann)
  await createWorkplace(ann.page, 'Narrow')
  const file = test.info().outputPath('contacts.vcf')
  writeFileSync(file, phoneVcards(CONTACTS))
  await ann.page.getByTestId('tab-contacts').click()
  await ann.page.getByTestId('contacts-import-input').setInputFiles(file)
  await expect(ann.page.getByTestId('contacts-import-result')).toContainText(`${CONTACTS} new`, {
    timeout: STEP_MS,
  })
  const invite = await createInvite(ann.page)
  await openChat(ann.page)

  path.proxy.impair(PATH)
  const bob = await openDevice(browser, 'Bob', path.server.address.url, settings)
  devices.push(bob)
  const joinStart = Date.now()
  await bob.page.goto(invite)
  await expectMembers(bob.page, ['Ann', 'Bob'], STEP_MS)
  await openChat(bob.page)

  const input = ann.page.getByTestId('chat-input')
  await input.fill('written during the catch-up')
  await input.press('Enter')
  const sent = Date.now()
  await expect(message(bob.page, 'written during the catch-up')).toBeVisible({ timeout: STEP_MS })
  const shownMs = Date.now() - sent
  // Bob knows Ann is online (the Syncer is the lower of their IDs), and is not yet done with
  // the contact book.
  await expect(bob.page.getByTestId('sync-state')).not.toHaveAttribute('data-state', 'alone')
  const ids = [await peerIdOf(ann.page), await peerIdOf(bob.page)].sort()
  expect(await syncer(bob.page)).toBe(ids[0])
  const countWhenShown = await contactsCount(bob.page)
  expect(countWhenShown, 'the message came before the contact book').toBeLessThan(CONTACTS)

  // Bob has the contact book open and it is on its way: Bob must not say he is in sync until
  // it is all there. The badge may turn a moment before the list does: a sample saying "in
  // sync" counts only if the list is still short two seconds later.
  const sync = bob.page.getByTestId('sync-state')
  const deadline = Date.now() + STEP_MS
  const inSyncWhileShort: number[] = []
  for (;;) {
    if (Date.now() > deadline) throw new Error('the contact book did not reach Bob in time')
    const state = await sync.getAttribute('data-state')
    if ((await contactsCount(bob.page)) === CONTACTS) break
    if (state === 'in-sync') {
      await bob.page.waitForTimeout(2000)
      const count = await contactsCount(bob.page)
      if (count < CONTACTS) inSyncWhileShort.push(count)
    }
    await bob.page.waitForTimeout(250)
  }
  const caughtUpMs = Date.now() - joinStart
  expect(inSyncWhileShort, 'Bob said "in sync" with these many contacts of 12,000').toEqual([])
  await expect(sync, 'in sync once the book is there').toHaveAttribute('data-state', 'in-sync', {
    timeout: 30_000,
  })
  console.info(
    `narrow path: message shown after ${shownMs} ms; contact book caught up ${caughtUpMs} ms ` +
      `after the join began; datagrams ${JSON.stringify(path.proxy.counts)}`,
  )
})
