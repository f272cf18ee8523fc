import { expect, test, type Page } from '@playwright/test'
import { openChat, send } from './support/chat.ts'
import { chooseFile } from './support/choose-file.ts'
import { openDevice, peerIdOf, trackDevices } from './support/device.ts'
import { createWorkplace, openWorkplace } from './support/workplace.ts'

// Encryption at rest: with the storage lock on, IndexedDB holds none of the chat text or file
// bytes, and the app opens its data only with the passphrase.
const devices = trackDevices()
const PASSPHRASE = 'violet harbour compass'
const CHAT = 'Quarterly plan: meet at the lighthouse'
const FILE_MARK = 'FILE-CONTENT-MARKER-7f3a'

/** Every value of every Peerplace database, as text (bytes read as Latin-1), for searching. */
function rawStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const parts: string[] = []
    const show = (value: unknown): string => {
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
        const bytes = value instanceof Uint8Array ? value : new Uint8Array(value)
        let text = ''
        for (let i = 0; i < bytes.length; i += 8192) {
          text += String.fromCharCode(...bytes.subarray(i, i + 8192))
        }
        return text
      }
      if (typeof value === 'object' && value !== null) {
        return Object.values(value as Record<string, unknown>)
          .map(show)
          .join('|')
      }
      return String(value)
    }
    for (const { name } of await indexedDB.databases()) {
      if (!name?.startsWith('peerplace')) continue
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name)
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      for (const store of [...db.objectStoreNames]) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll()
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })
        parts.push(...values.map(show))
      }
      db.close()
    }
    return parts.join('\n')
  })
}

/** Stored byte values in the sealed layout (they start with "PPv1"). */
const sealedValues = (raw: string) => raw.split(/\n|\|/).filter((v) => v.startsWith('PPv1')).length

async function openData(page: Page) {
  await page.getByTestId('open-data').click()
  return page.getByTestId('data-dialog').getByTestId('storage-lock')
}

test('with the storage lock on, IndexedDB holds no chat text or file bytes, and opens only with the passphrase', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Harbour')
  await openChat(ann.page)
  await send(ann.page, CHAT)
  await ann.page.getByTestId('tab-files').click()
  await chooseFile(
    ann.page.getByTestId('files-input'),
    'notes.txt',
    Buffer.from(FILE_MARK.repeat(50)),
  )
  await expect(ann.page.getByTestId('file-item')).toHaveCount(1)
  // Before: the text is there for anyone who reads the disk (this is what the lock changes).
  await expect.poll(async () => (await rawStorage(ann.page)).includes(CHAT)).toBe(true)
  expect((await rawStorage(ann.page)).includes(FILE_MARK)).toBe(true)

  const lock = await openData(ann.page)
  await lock.getByTestId('lock-passphrase').fill(PASSPHRASE)
  await lock.getByTestId('lock-passphrase-repeat').fill(PASSPHRASE)
  await lock.getByTestId('lock-enable').click()
  await expect(lock.getByTestId('lock-done')).toBeVisible({ timeout: 60_000 })
  // Written after the lock is on: sealed as it is stored.
  await ann.page.getByTestId('data-dialog').getByRole('button', { name: 'Close' }).click()
  await openChat(ann.page)
  await send(ann.page, 'second thought after locking')

  await expect
    .poll(async () => {
      const raw = await rawStorage(ann.page)
      return [raw.includes(CHAT), raw.includes(FILE_MARK), raw.includes('second thought')]
    })
    .toEqual([false, false, false])
  expect(sealedValues(await rawStorage(ann.page))).toBeGreaterThan(3)

  // A new start asks for the passphrase; a wrong one is refused and opens nothing.
  await ann.page.reload()
  await expect(ann.page.getByTestId('unlock-screen')).toBeVisible()
  await ann.page.getByTestId('unlock-passphrase').fill('not the passphrase')
  await ann.page.getByTestId('unlock-submit').click()
  await expect(ann.page.getByTestId('unlock-error')).toContainText('does not unlock', {
    timeout: 60_000,
  })
  // The key is derived in a worker of its own (the built app's, under the server's CSP).
  const workers: string[] = []
  const warnings: string[] = []
  ann.page.on('worker', (worker) => workers.push(worker.url()))
  ann.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()))
  await ann.page.getByTestId('unlock-passphrase').fill(PASSPHRASE)
  await ann.page.getByTestId('unlock-submit').click()
  await expect(ann.page.getByTestId('unlock-screen')).toHaveCount(0, { timeout: 60_000 })
  expect(workers.some((url) => /kdf-worker/.test(url))).toBe(true)
  expect(warnings.filter((text) => text.includes('key derivation worker'))).toEqual([])
  await openWorkplace(ann.page, 'Harbour')
  await openChat(ann.page)
  await expect(ann.page.getByText(CHAT)).toBeVisible()
  await expect(ann.page.getByText('second thought after locking')).toBeVisible()

  // Off again: stored plain, and the app opens without asking.
  const unlockAgain = await openData(ann.page)
  await unlockAgain.getByTestId('lock-passphrase').fill(PASSPHRASE)
  await unlockAgain.getByTestId('lock-disable').click()
  await expect(unlockAgain.getByTestId('lock-done')).toBeVisible({ timeout: 60_000 })
  expect(sealedValues(await rawStorage(ann.page))).toBe(0)
  await ann.page.reload()
  await expect(ann.page.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /.+/)
  await expect(ann.page.getByTestId('unlock-screen')).toHaveCount(0)
})

test('with the storage lock on, IndexedDB holds no direct-message text or contact names', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const CONTACT = 'Bartholomew Marigold'
  const BEFORE = 'Direct note: the key is under the blue pot'
  const AFTER = 'Direct note written once the lock was on'
  const ana = await openDevice(browser, 'Ana')
  const ben = await openDevice(browser, CONTACT)
  devices.push(ana, ben)
  const benId = await peerIdOf(ben.page)
  const nearbyBen = ana.page.getByTestId('direct-nearby').locator(`[data-peer-id="${benId}"]`)
  await expect(nearbyBen.getByTestId('direct-peer-name')).toHaveText(CONTACT, { timeout: 30_000 })
  await nearbyBen.click()
  await ana.page.getByTestId('direct-input').fill(BEFORE)
  await ana.page.getByTestId('direct-send').click()
  await expect(ana.page.getByTestId('direct-delivery')).toHaveText('Delivered')
  // Before: the conversation and the contact's name are there for anyone who reads the disk.
  await expect
    .poll(async () => {
      const raw = await rawStorage(ana.page)
      return [raw.includes(BEFORE), raw.includes(CONTACT)]
    })
    .toEqual([true, true])

  const lock = await openData(ana.page)
  await lock.getByTestId('lock-passphrase').fill(PASSPHRASE)
  await lock.getByTestId('lock-passphrase-repeat').fill(PASSPHRASE)
  await lock.getByTestId('lock-enable').click()
  await expect(lock.getByTestId('lock-done')).toBeVisible({ timeout: 60_000 })
  await ana.page.getByTestId('data-dialog').getByRole('button', { name: 'Close' }).click()
  await ana.page.getByTestId('direct-input').fill(AFTER)
  await ana.page.getByTestId('direct-send').click()
  await expect(ana.page.getByTestId('direct-delivery').last()).toHaveText('Delivered')
  await expect
    .poll(async () => {
      const raw = await rawStorage(ana.page)
      return [raw.includes(BEFORE), raw.includes(CONTACT), raw.includes(AFTER)]
    })
    .toEqual([false, false, false])

  // Unlocked again after a reload, the conversation reads back whole.
  await ana.page.reload()
  await ana.page.getByTestId('unlock-passphrase').fill(PASSPHRASE)
  await ana.page.getByTestId('unlock-submit').click()
  await expect(ana.page.getByTestId('unlock-screen')).toHaveCount(0, { timeout: 60_000 })
  const contact = ana.page.getByTestId('direct-nearby').locator(`[data-peer-id="${benId}"]`)
  await expect(contact.getByTestId('direct-peer-name')).toHaveText(CONTACT, { timeout: 30_000 })
  await contact.click()
  await expect(ana.page.getByTestId('direct-message-text')).toHaveText([BEFORE, AFTER])
})

test('a second tab of the same browser is asked for the passphrase once the lock is turned on', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Harbour')
  const other = await ann.context.newPage()
  await other.goto('/')
  await expect(other.getByTestId('peer-id')).toHaveAttribute('data-peer-id', /.+/)

  const lock = await openData(ann.page)
  await lock.getByTestId('lock-passphrase').fill(PASSPHRASE)
  await lock.getByTestId('lock-passphrase-repeat').fill(PASSPHRASE)
  await lock.getByTestId('lock-enable').click()
  await expect(lock.getByTestId('lock-done')).toBeVisible({ timeout: 60_000 })
  // The other tab no longer writes in the clear: it starts again, locked.
  await expect(other.getByTestId('unlock-screen')).toBeVisible({ timeout: 30_000 })
})
