import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { expect, test, type Page } from '@playwright/test'
import { openDevice, peerIdOf, trackDevices } from './support/device.ts'
import { createWorkplace, expectMembers } from './support/workplace.ts'

// Two devices that share no workplace, in the app itself: both load it from one machine, so
// the relay counts them as nearby.
const devices = trackDevices()
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

function nearby(page: Page, peer: string) {
  return page.getByTestId('direct-nearby').locator(`[data-peer-id="${peer}"]`)
}

test('devices with no workplace meet under Nearby, exchange a message and a file, and invite', async ({
  browser,
}) => {
  const ana = await openDevice(browser, 'Ana')
  const ben = await openDevice(browser, 'Ben')
  devices.push(ana, ben)
  // Saving falls back to a download, which the test can read.
  await ben.page.evaluate(
    () => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker,
  )
  const [anaId, benId] = [await peerIdOf(ana.page), await peerIdOf(ben.page)]

  await expect(nearby(ana.page, benId).getByTestId('direct-peer-name')).toHaveText('Ben', {
    timeout: 30_000,
  })
  await nearby(ana.page, benId).click()
  await ana.page.getByTestId('direct-input').fill('Hi Ben, see https://example.org/a')
  await ana.page.getByTestId('direct-send').click()
  await expect(ana.page.getByTestId('direct-delivery')).toHaveText('Delivered')
  await nearby(ben.page, anaId).click()
  await expect(ben.page.getByTestId('direct-message-text')).toHaveText(
    'Hi Ben, see https://example.org/a',
  )

  const original = randomBytes(2 * 1024 * 1024 + 5)
  await ana.page
    .getByTestId('direct-file-input')
    .setInputFiles({ name: 'plan.bin', mimeType: 'application/octet-stream', buffer: original })
  const offer = ben.page.getByTestId('direct-file').first()
  await expect(offer).toHaveAttribute('data-state', 'offered')
  await offer.getByTestId('direct-file-accept').click()
  await expect(offer).toHaveAttribute('data-state', 'received', { timeout: 30_000 })
  const [download] = await Promise.all([
    ben.page.waitForEvent('download'),
    offer.getByTestId('direct-file-save').click(),
  ])
  expect(sha256(await readFile((await download.path())!))).toBe(sha256(original))

  await ana.page.getByTestId('direct-file-input').setInputFiles({
    name: 'nope.bin',
    mimeType: 'application/octet-stream',
    buffer: randomBytes(100 * 1024),
  })
  const second = ben.page.getByTestId('direct-file').nth(1)
  await expect(second).toHaveAttribute('data-state', 'offered')
  await second.getByTestId('direct-file-decline').click()
  await expect(ana.page.getByTestId('direct-file').nth(1)).toHaveAttribute('data-state', 'declined')

  // One click invites the nearby device into a workplace; it joins.
  await ana.page
    .getByRole('button', { name: 'Back to workplaces' })
    .or(ana.page.getByTestId('new-workplace-name'))
    .first()
    .waitFor()
  await createWorkplace(ana.page, 'Acme')
  await ana.page.getByRole('button', { name: 'Back to workplaces' }).click()
  await nearby(ana.page, benId).click()
  await ana.page.getByTestId('direct-invite-send').click()
  const invite = ben.page.getByTestId('direct-invite')
  await expect(invite.getByTestId('direct-invite-workplace')).toHaveText('Acme')
  await invite.getByTestId('direct-invite-join').click()
  await expect(ben.page.getByTestId('workplace-name')).toHaveText('Acme')
  await expectMembers(ben.page, ['Ana', 'Ben'])
})
