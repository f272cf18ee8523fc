import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { expect, test, type Page } from '@playwright/test'
import { keeperStatus, startKeeper, type KeeperProcess } from '../support/keeper-process.ts'
import { allMessageTexts, messageTexts, openChat, send } from './support/chat.ts'
import {
  addContact,
  backToList,
  editContact,
  openContact,
  openContacts,
} from './support/contacts.ts'
import { chooseFile } from './support/choose-file.ts'
import { openDevice, peerIdOf, trackDevices } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

// The keeper (keeper/main.ts) as a real child process next to people in Chromium: it keeps a
// workplace reachable when every browser is closed.
const devices = trackDevices()
const keepers: KeeperProcess[] = []
const MB = 1024 * 1024
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

test.afterEach(async () => {
  for (const keeper of keepers.splice(0)) if (!keeper.exited) await keeper.stop('SIGKILL')
})

function relayUrl(): string {
  const url = new URL('/relay', process.env.BASE_URL)
  url.protocol = 'ws:'
  return url.href
}

function keeper(dataDir: string, args: string[]): KeeperProcess {
  const started = startKeeper(dataDir, ['--relay', relayUrl(), ...args])
  keepers.push(started)
  return started
}

const fileVersion = (page: Page, name: string) =>
  page.locator(
    `[data-testid="file-item"][data-name="${name}"] [data-testid="file-version"][data-version="1"]`,
  )

/** The "Always on" mark on a member in People (the People tab is open). */
const alwaysOnBadge = (page: Page, name: string) =>
  page.getByTestId('member').filter({ hasText: name }).getByTestId('always-on-badge')

async function saveFile(page: Page, name: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    fileVersion(page, name).getByTestId('file-save').click(),
  ])
  return sha(await readFile((await download.path())!))
}

async function showFiles(page: Page): Promise<void> {
  // Saving goes through a Blob download, which the test can read.
  await page.evaluate(() => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker)
  await page.getByTestId('tab-files').click()
  await expect(page.getByTestId('files-panel')).toBeVisible()
}

test('Bob joins and gets every message, the contact and the file from the keeper alone, Ann gone', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const forKeeper = await createInvite(ann.page, '1 person')
  const forBob = await createInvite(ann.page, '1 person')

  const kept = keeper(test.info().outputPath('keeper'), ['--invite', forKeeper, '--name', 'Keeper'])
  await kept.waitForLine(/ workplace .*name=Acme/, 'joining Acme', 60_000)
  await expectMembers(ann.page, ['Ann', 'Keeper'], 30_000)
  // The owner sees the keeper in People as an always-on device, and only the keeper.
  await expect(alwaysOnBadge(ann.page, 'Keeper')).toBeVisible({ timeout: 30_000 })
  await expect(alwaysOnBadge(ann.page, 'Keeper')).toHaveText('Always on')
  await expect(ann.page.getByTestId('always-on-badge')).toHaveCount(1)

  await openContacts(ann.page)
  await addContact(ann.page, 'Grace', 'Hopper')
  await editContact(ann.page, 'Grace Hopper', (p) =>
    p.getByTestId('phone-value').first().fill('+1 555 0199'),
  )
  await openChat(ann.page)
  const texts = Array.from({ length: 50 }, (_, i) => `message ${i + 1} from Ann`)
  for (const text of texts) await send(ann.page, text)
  await showFiles(ann.page)
  const bytes = randomBytes(10 * MB + 13)
  await chooseFile(ann.page.getByTestId('files-input'), 'plans.bin', bytes)
  await expect(fileVersion(ann.page, 'plans.bin')).toHaveAttribute('data-local', 'complete', {
    timeout: 60_000,
  })
  await kept.waitForLine(/ file-held /, 'holding the file', 90_000)
  await expect(ann.page.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync', {
    timeout: 30_000,
  })
  await ann.context.close()

  const bob = await openDevice(browser, 'Bob', forBob)
  devices.push(bob)
  await expectMembers(bob.page, ['Ann', 'Bob', 'Keeper'], 60_000)
  await expect(alwaysOnBadge(bob.page, 'Keeper')).toBeVisible({ timeout: 30_000 })
  await openContacts(bob.page)
  await openContact(bob.page, 'Grace Hopper')
  await expect(bob.page.getByTestId('contact-phone')).toContainText('+1 555 0199', {
    timeout: 60_000,
  })
  await backToList(bob.page)
  await openChat(bob.page)
  // 50 messages: more than the list renders at first unless they arrived before it opened.
  await expect.poll(() => allMessageTexts(bob.page), { timeout: 60_000 }).toEqual(texts)
  await showFiles(bob.page)
  expect(await saveFile(bob.page, 'plans.bin')).toBe(sha(bytes))

  // The status command sees the workplace, Bob online and the file held.
  await expect
    .poll(() => keeperStatus(kept.dataDir), { timeout: 15_000 })
    .toMatch(/Acme .*3 members, online: Bob;/)
  expect(keeperStatus(kept.dataDir)).toMatch(/files held: 1 \(10\.5 MB/)
  const code = await kept.stop('SIGTERM')
  expect(code).toBe(0)
  expect(kept.lines.some((line) => / stopped/.test(line))).toBe(true)
})

test('the keeper killed with SIGKILL while Bob writes restarts and loses nothing', async ({
  browser,
}) => {
  test.setTimeout(240_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const forKeeper = await createInvite(ann.page, '1 person')
  const forBob = await createInvite(ann.page, '1 person')
  const forCy = await createInvite(ann.page, '1 person')
  const dataDir = test.info().outputPath('keeper')
  const first = keeper(dataDir, ['--invite', forKeeper])
  await first.waitForLine(/ workplace .*name=Acme/, 'joining Acme', 60_000)
  const bob = await openDevice(browser, 'Bob', forBob)
  devices.push(bob)
  await expectMembers(bob.page, ['Ann', 'Bob', 'Keeper'], 60_000)
  await ann.context.close()

  await openChat(bob.page)
  const texts = Array.from({ length: 30 }, (_, i) => `Bob ${i + 1}`)
  for (const text of texts.slice(0, 10)) await send(bob.page, text)
  // Killed mid-stream: Bob's next messages are written while it dies.
  const sending = (async () => {
    for (const text of texts.slice(10, 20)) await send(bob.page, text)
  })()
  await new Promise((resolve) => setTimeout(resolve, 300))
  await first.stop('SIGKILL')
  await sending
  // Restarted with the same data folder: no invite, relays remembered.
  const second = startKeeper(dataDir, [])
  keepers.push(second)
  await second.waitForLine(/ workplace .*name=Acme/, 'reopening Acme from its folder', 60_000)
  for (const text of texts.slice(20)) await send(bob.page, text)
  await expect(bob.page.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync', {
    timeout: 60_000,
  })
  await bob.context.close()

  // Cy, with nobody but the keeper online, gets all thirty.
  const cy = await openDevice(browser, 'Cy', forCy)
  devices.push(cy)
  await expectMembers(cy.page, ['Ann', 'Bob', 'Cy', 'Keeper'], 60_000)
  await openChat(cy.page)
  await expect.poll(() => messageTexts(cy.page), { timeout: 60_000 }).toEqual(texts)
})

test('removed by Ann, the keeper says so and gets nothing afterwards', async ({ browser }) => {
  test.setTimeout(180_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const forKeeper = await createInvite(ann.page, '1 person')
  const kept = keeper(test.info().outputPath('keeper'), ['--invite', forKeeper])
  await kept.waitForLine(/ workplace .*name=Acme/, 'joining Acme', 60_000)
  await expectMembers(ann.page, ['Ann', 'Keeper'], 30_000)
  const annPeer = await peerIdOf(ann.page)
  await kept.waitForLine(new RegExp(` link-up peer=${annPeer}`), 'a link to Ann', 30_000)

  ann.page.once('dialog', (dialog) => void dialog.accept())
  await ann.page
    .getByTestId('member')
    .filter({ hasText: 'Keeper' })
    .getByRole('button', { name: 'Remove' })
    .click()
  await expectMembers(ann.page, ['Ann'])
  // Ann refuses its links at once, often before the removal record reaches it.
  const said = await kept.waitForLine(
    new RegExp(`( removed .*name=Acme| refused peer=${annPeer}) .*gets nothing`),
    'its removal',
    30_000,
  )
  const removedAt = kept.lines.indexOf(said)
  await openChat(ann.page)
  await send(ann.page, 'after the keeper left')
  // Ann refuses its links from now on: none stays up, and nothing she writes reaches it.
  await new Promise((resolve) => setTimeout(resolve, 8000))
  const later = kept.lines.slice(removedAt + 1)
  expect(later.filter((line) => / (file-held|readmitted) /.test(line))).toEqual([])
  await expect
    .poll(() => keeperStatus(kept.dataDir), { timeout: 10_000 })
    .toMatch(/online: nobody|workplaces: 0/)
})
