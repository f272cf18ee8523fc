import { expect, test, type Page } from '@playwright/test'
import { openDevice, peerIdOf, type Device, type DeviceSettings } from './support/device.ts'
import {
  createInvite,
  createWorkplace,
  expectMembers,
  openWorkplace,
  showPeople,
} from './support/workplace.ts'

// Two devices meet through each first-contact signaling the app offers; joining a workplace
// by invite needs an authenticated link between them, and each then shows the other online.
const devices: Device[] = []
/** Console errors a test expects (e.g. a relay that is down on purpose). */
let expected: RegExp[] = []

test.afterEach(async () => {
  for (const device of devices.splice(0)) {
    const unexpected = device.errors.filter((e) => !expected.some((re) => re.test(e)))
    expect(unexpected, `${device.name} had errors`).toEqual([])
    await device.context.close()
  }
  expected = []
})

async function expectOnline(page: Page, name: string): Promise<void> {
  await showPeople(page)
  const member = page.getByTestId('member').filter({ hasText: name })
  await expect(member.getByRole('img', { name: 'online', exact: true })).toBeVisible()
}

async function expectSignaling(
  page: Page,
  endpoint: RegExp,
  state: 'connected' | 'degraded' = 'connected',
): Promise<void> {
  const status = page.getByTestId('signaling-status')
  await expect(status).toHaveAttribute('data-state', state)
  // Which endpoint it uses is under "Device details", not in the header.
  await expect(page.getByTestId('signaling-endpoint')).toContainText(endpoint)
}

for (const [label, settings, endpoint] of [
  ['the relay', undefined, /relay ws:\/\/127\.0\.0\.1:\d+\/relay/],
  ['the PeerJS broker', { firstContact: 'peerjs' }, /peerjs http:\/\/127\.0\.0\.1:\d+\/peerjs/],
] as const) {
  test(`two devices link through ${label}`, async ({ browser }) => {
    const ann = await openDevice(browser, 'Ann', '/', settings)
    devices.push(ann)
    await expectSignaling(ann.page, endpoint)
    await createWorkplace(ann.page, 'Acme')
    const invite = await createInvite(ann.page)
    const bob = await openDevice(browser, 'Bob', invite, settings)
    devices.push(bob)
    await expectSignaling(bob.page, endpoint)
    await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
    await expectMembers(bob.page, ['Ann', 'Bob'])
    await expectOnline(bob.page, 'Ann')
    await expectOnline(ann.page, 'Bob')
    // Each link got its own bulk channel (no fallback to the main one).
    for (const device of [ann, bob]) {
      expect(device.warnings.filter((w) => /bulk channel/.test(w))).toEqual([])
    }
  })
}

test('with both, devices whose relay is down link through the PeerJS broker', async ({
  browser,
}) => {
  // The relay's origin is also asked for ICE servers: a failed load, by design.
  expected = [/127\.0\.0\.1:9\/relay/, /ERR_UNSAFE_PORT/]
  const settings: DeviceSettings = { firstContact: 'both', relays: ['ws://127.0.0.1:9/relay'] }
  const ann = await openDevice(browser, 'Ann', '/', settings)
  devices.push(ann)
  // Connected through the broker alone: the header says "partly", since the relay fails.
  await expectSignaling(ann.page, /peerjs http:/, 'degraded')
  await createWorkplace(ann.page, 'Acme')
  const bob = await openDevice(browser, 'Bob', await createInvite(ann.page), settings)
  devices.push(bob)
  await expectSignaling(bob.page, /peerjs http:/, 'degraded')
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  await expectOnline(ann.page, 'Bob')
})

test('peer IDs persist across reloads, and the link comes back', async ({ browser }) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const bob = await openDevice(browser, 'Bob', await createInvite(ann.page))
  devices.push(bob)
  await expectOnline(ann.page, 'Bob')
  const ids = [await peerIdOf(ann.page), await peerIdOf(bob.page)]

  await bob.page.reload()
  await ann.page.reload()
  expect([await peerIdOf(ann.page), await peerIdOf(bob.page)]).toEqual(ids)
  await openWorkplace(bob.page, 'Acme')
  await showPeople(bob.page)
  const annMember = bob.page.getByTestId('member').filter({ hasText: 'Ann' })
  await expect(annMember).toHaveAttribute('data-peer', ids[0]!)
  await expectOnline(bob.page, 'Ann')
})
