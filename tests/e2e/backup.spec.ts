import { readFileSync, writeFileSync } from 'node:fs'
import { expect, test, type Browser } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import {
  reloadMidRestore,
  saveBackup,
  startRestore,
  storageCounts,
  storedWorkplaces,
} from './support/backup.ts'
import { openChat, send } from './support/chat.ts'
import { chooseFile } from './support/choose-file.ts'
import { openContacts } from './support/contacts.ts'
import { openDevice, peerIdOf, trackDevices, type Device } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers, openWorkplace } from './support/workplace.ts'

const devices = trackDevices()
const PASSPHRASE = 'lamp meadow quartz fiddle'

/** A browser context with fresh storage, the app open and not named yet (a new browser). */
async function freshDevice(browser: Browser, name: string): Promise<Device> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`))
  await page.goto('/')
  await expect(page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /.+/)
  // The documents open after the first paint and write their first entries then: wait, so a
  // count of what is stored is not taken halfway.
  await page.waitForFunction(() => 'peerplaceSyncReport' in window, null, { timeout: 60_000 })
  const device: Device = {
    name,
    context,
    page,
    errors,
    allow: [],
    warnings: [],
    reopen: async () => page,
  }
  devices.push(device)
  return device
}

test('a backup restored in a fresh browser is the same device, in its workplace, and syncs', async ({
  browser,
}, testInfo) => {
  test.setTimeout(180_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const bob = await openDevice(browser, 'Bob', await createInvite(ann.page))
  devices.push(bob)
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  await openChat(bob.page)
  await send(bob.page, 'written before the backup')
  await openChat(ann.page)
  await expect(ann.page.getByText('written before the backup')).toBeVisible()
  const bobPeer = await peerIdOf(bob.page)

  const file = await saveBackup(bob.page, PASSPHRASE, testInfo.outputPath('bob.peerplace-backup'))
  expect(readFileSync(file).subarray(0, 16).toString()).toBe('PEERPLACE-BACKUP')
  // Bob's browser is gone (cleared, lost); Ann writes meanwhile.
  await bob.context.close()
  devices.splice(devices.indexOf(bob), 1)
  await send(ann.page, 'written while Bob was away')

  const fresh = await freshDevice(browser, 'Bob again')
  expect(await peerIdOf(fresh.page)).not.toBe(bobPeer)
  await startRestore(fresh.page, file, PASSPHRASE)
  // The app restarts as the restored device.
  await expect(fresh.page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', bobPeer, {
    timeout: 90_000,
  })
  await expect(fresh.page.getByTestId('device-name')).toHaveText('Bob')
  await openWorkplace(fresh.page, 'Acme')
  await expectMembers(fresh.page, ['Ann', 'Bob'])
  await openChat(fresh.page)
  await expect(fresh.page.getByText('written before the backup')).toBeVisible()
  await expect(fresh.page.getByText('written while Bob was away')).toBeVisible({ timeout: 30_000 })
  await send(fresh.page, 'written after the restore')
  await expect(ann.page.getByText('written after the restore')).toBeVisible({ timeout: 30_000 })

  // The device details say whether the browser keeps the data (asked for at the first
  // workplace) and how much space is used.
  await fresh.page.getByTestId('open-data').click()
  await expect(fresh.page.getByTestId('storage-persisted')).toHaveAttribute(
    'data-persisted',
    /^(true|false)$/,
  )
  await expect(fresh.page.getByTestId('storage-usage')).toContainText(/used of about/)
  // The restored history leaves Peerplace as Markdown a person can read.
  const [download] = await Promise.all([
    fresh.page.waitForEvent('download'),
    fresh.page.getByTestId('export-chat-md').click(),
  ])
  const markdown = readFileSync(await download.path(), 'utf8')
  expect(markdown).toContain('# Acme: chat')
  for (const text of ['written before the backup', 'written while Bob was away']) {
    expect(markdown).toContain(`> ${text}`)
  }
})

test('a wrong passphrase, a cut file or a flipped byte is refused and changes nothing', async ({
  browser,
}, testInfo) => {
  test.setTimeout(180_000)
  const cy = await openDevice(browser, 'Cy')
  devices.push(cy)
  await createWorkplace(cy.page, 'Zeta')
  // A file of many chunks: more entries than a restore writes in one batch.
  await cy.page.getByTestId('tab-files').click()
  await chooseFile(cy.page.getByTestId('files-input'), 'plans.bin', randomBytes(17 * 1024 * 1024))
  await expect(cy.page.locator('[data-local="complete"]')).toHaveCount(1, { timeout: 60_000 })
  const held = await storageCounts(cy.page)
  expect(held['peerplace-files/chunks']).toBeGreaterThan(64)
  const file = await saveBackup(cy.page, PASSPHRASE, testInfo.outputPath('cy.peerplace-backup'))
  const cyPeer = await peerIdOf(cy.page)
  // Cy leaves, so no nearby device changes the new browser's storage while it is watched.
  await cy.context.close()
  devices.splice(devices.indexOf(cy), 1)
  const bytes = readFileSync(file)
  const cut = testInfo.outputPath('cut.peerplace-backup')
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100))
  const flipped = testInfo.outputPath('flipped.peerplace-backup')
  const damaged = Buffer.from(bytes)
  damaged[Math.floor(bytes.length / 2)]! ^= 0x20
  writeFileSync(flipped, damaged)

  const fresh = await freshDevice(browser, 'New browser')
  const before = await peerIdOf(fresh.page)
  const untouched = await storageCounts(fresh.page)
  const cases: [string, string, RegExp][] = [
    [file, 'not the passphrase', /passphrase is wrong/],
    [cut, PASSPHRASE, /incomplete/],
    [flipped, PASSPHRASE, /damaged/],
  ]
  for (const [path, passphrase, message] of cases) {
    const dialog = await startRestore(fresh.page, path, passphrase)
    await expect(dialog.getByTestId('restore-error')).toHaveText(message, { timeout: 90_000 })
    expect(await storedWorkplaces(fresh.page)).toEqual([])
    expect(await storageCounts(fresh.page)).toEqual(untouched)
    expect(await peerIdOf(fresh.page)).toBe(before)
  }
  await fresh.page.reload()
  await expect(fresh.page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', before)
  expect(await storedWorkplaces(fresh.page)).toEqual([])

  // The intact file restores, so the refusals above were the damage, not the set-up.
  await startRestore(fresh.page, file, PASSPHRASE)
  await expect(fresh.page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', cyPeer, {
    timeout: 90_000,
  })
  expect(await storedWorkplaces(fresh.page)).toEqual(['Zeta'])
  const restored = await storageCounts(fresh.page)
  expect(restored['peerplace-files/chunks']).toBe(held['peerplace-files/chunks'])
})

test('a restore onto a device that holds data asks first, then replaces what it held', async ({
  browser,
}, testInfo) => {
  test.setTimeout(180_000)
  const dee = await openDevice(browser, 'Dee')
  devices.push(dee)
  await createWorkplace(dee.page, 'Alpha')
  const file = await saveBackup(dee.page, PASSPHRASE, testInfo.outputPath('dee.peerplace-backup'))
  // After the backup: a second workplace, which the backup does not hold.
  await dee.page.getByRole('button', { name: 'Back to workplaces' }).click()
  await createWorkplace(dee.page, 'Beta')
  await expect
    .poll(async () => (await storedWorkplaces(dee.page)).sort())
    .toEqual(['Alpha', 'Beta'])
  const peer = await peerIdOf(dee.page)
  // Beta's chat, and its contact book in the documents worker, start a moment after Beta
  // itself: count once both are stored. Each workplace's book stores its list (an empty book:
  // its head only) two seconds after its document last changed, so on a slow machine Beta's
  // came after a second of quiet and the declined restore seemed to have added it.
  await expect(dee.page.getByTestId('chat-input')).toBeVisible()
  await openContacts(dee.page)
  let before = await storageCounts(dee.page)
  await expect
    .poll(
      async () => {
        const now = await storageCounts(dee.page)
        const same = JSON.stringify(now) === JSON.stringify(before)
        before = now
        return same && now['peerplace-contact-lists/pages'] === 2
      },
      { message: 'the stored data to settle', intervals: [1000] },
    )
    .toBe(true)

  // Declined: the file checked out, the device says what it would lose, and nothing changes.
  let dialog = await startRestore(dee.page, file, PASSPHRASE)
  const confirm = dialog.getByTestId('restore-confirm')
  await expect(confirm).toContainText('This device holds 2 workplaces', { timeout: 90_000 })
  await expect(confirm).toContainText('Alpha')
  await confirm.getByTestId('restore-keep').click()
  await expect(dialog.getByTestId('restore-done')).toContainText('keeps its data')
  expect((await storedWorkplaces(dee.page)).sort()).toEqual(['Alpha', 'Beta'])
  expect(await storageCounts(dee.page)).toEqual(before)

  // Confirmed: the device holds what the backup holds, not the backup added to what it had.
  dialog = await startRestore(dee.page, file, PASSPHRASE)
  await dialog.getByTestId('restore-replace').click({ timeout: 90_000 })
  await expect(dee.page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', peer, {
    timeout: 90_000,
  })
  await expect.poll(() => storedWorkplaces(dee.page), { timeout: 30_000 }).toEqual(['Alpha'])
  // The row names the workplace (its sync state may follow the name).
  await expect(dee.page.getByTestId('open-workplace')).toHaveText([/^\s*Alpha\b/])
})

test('a restore cut short never opens as a device; the next start finishes it or erases it', async ({
  browser,
}, testInfo) => {
  test.setTimeout(240_000)
  const eve = await openDevice(browser, 'Eve')
  devices.push(eve)
  await createWorkplace(eve.page, 'Orchard')
  await eve.page.getByTestId('tab-files').click()
  await chooseFile(eve.page.getByTestId('files-input'), 'crop.bin', randomBytes(4 * 1024 * 1024))
  await expect(eve.page.locator('[data-local="complete"]')).toHaveCount(1, { timeout: 60_000 })
  const held = await storageCounts(eve.page)
  const file = await saveBackup(eve.page, PASSPHRASE, testInfo.outputPath('eve.peerplace-backup'))
  const evePeer = await peerIdOf(eve.page)
  await eve.context.close()
  devices.splice(devices.indexOf(eve), 1)

  const fresh = await freshDevice(browser, 'Eve again')
  const page = fresh.page
  const interrupted = page.getByTestId('restore-interrupted')
  // The tab goes away while the restore writes: part of the backup is stored (not yet the
  // device key, which comes last).
  await reloadMidRestore(page, 'chunks', 5)
  await startRestore(page, file, PASSPHRASE)
  await expect(interrupted).toBeVisible({ timeout: 90_000 })
  await expect(interrupted).toContainText('Orchard')
  // The half-restored device does not start: no identity shown, no workplace list.
  await expect(page.getByTestId('peer-id')).toHaveCount(0)
  await expect(page.getByTestId('open-workplace')).toHaveCount(0)
  // Still so at another start.
  await page.reload()
  await expect(interrupted).toBeVisible()
  await expect(page.getByTestId('peer-id')).toHaveCount(0)

  // Erased: a new device with nothing of the backup.
  await page.getByTestId('erase-start').click()
  await page.getByTestId('erase-yes').click()
  await expect(page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /.+/, {
    timeout: 60_000,
  })
  expect(await peerIdOf(page)).not.toBe(evePeer)
  expect(await storedWorkplaces(page)).toEqual([])
  await page.waitForFunction(() => 'peerplaceSyncReport' in window, null, { timeout: 60_000 })

  // Cut short again, then finished with the same file: the whole backup, as one restore gives.
  await reloadMidRestore(page, 'chunks', 5)
  await startRestore(page, file, PASSPHRASE)
  await expect(interrupted).toBeVisible({ timeout: 90_000 })
  await page.getByTestId('resume-file').setInputFiles(file)
  await page.getByTestId('resume-passphrase').fill('not the passphrase')
  await page.getByTestId('resume-start').click()
  await expect(page.getByTestId('resume-error')).toContainText('passphrase is wrong', {
    timeout: 90_000,
  })
  await page.getByTestId('resume-passphrase').fill(PASSPHRASE)
  await page.getByTestId('resume-start').click()
  await expect(page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', evePeer, {
    timeout: 90_000,
  })
  expect(await storedWorkplaces(page)).toEqual(['Orchard'])
  expect((await storageCounts(page))['peerplace-files/chunks']).toBe(held['peerplace-files/chunks'])
  await expect(page.getByTestId('restore-interrupted')).toHaveCount(0)
})
