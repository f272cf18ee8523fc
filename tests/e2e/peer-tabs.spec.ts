import { expect, test, type Page } from '@playwright/test'
import { openDevice, type Device } from './support/device.ts'
import { createInvite, createWorkplace, openWorkplace, showPeople } from './support/workplace.ts'

// Tabs of one browser share the device's identity; only one runs its network at a time.
const devices: Device[] = []
test.afterEach(async () => {
  for (const device of devices.splice(0)) {
    expect(device.errors, `${device.name} had errors`).toEqual([])
    await device.context.close()
  }
})

async function expectOnline(page: Page, name: string): Promise<void> {
  await showPeople(page)
  const member = page.getByTestId('member').filter({ hasText: name })
  await expect(member.getByRole('img', { name: 'online', exact: true })).toBeVisible()
}

test('a second tab stands by without fighting the first, and takes over when it closes', async ({
  browser,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const bob = await openDevice(browser, 'Bob', await createInvite(ann.page))
  devices.push(bob)
  await expectOnline(bob.page, 'Ann')
  const first = ann.page

  const second = await ann.context.newPage()
  second.on('console', (m) => m.type() === 'error' && ann.errors.push(`console: ${m.text()}`))
  await second.goto('/')
  const standby = second.getByTestId('signaling-status')
  await expect(standby).toHaveAttribute('data-state', 'offline')
  await expect(standby).toContainText('in use in another tab')
  // The first tab keeps its relay connection and its link: nothing replaces it.
  await second.waitForTimeout(2000)
  await expect(first.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
  await expectOnline(bob.page, 'Ann')
  await expectOnline(first, 'Bob')

  await first.close()
  await expect(standby).toHaveAttribute('data-state', 'connected')
  await openWorkplace(second, 'Acme')
  await expectOnline(second, 'Bob')
  await expectOnline(bob.page, 'Ann')
})
