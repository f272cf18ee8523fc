import { nameDevice } from './support/device.ts'
import { expect, test } from './support/members.ts'
import { expectMembers, converged, openWorkplace } from './support/workplace.ts'

const SETTINGS = 'peerplace.connection-settings'
// A relay and a broker where nothing listens: the device starts with no signaling and no peers.
const UNREACHABLE = JSON.stringify({
  relays: ['ws://127.0.0.1:9/relay'],
  peerjs: 'http://127.0.0.1:9/peerjs',
  iceServers: [],
})

test('a member’s offline changes and everyone else’s merge when it returns', async ({
  workplaceWith,
}) => {
  const [ann, bob, cy] = await workplaceWith(['Bob', 'Cy'])
  for (const { page } of [ann, bob, cy]) await expectMembers(page, ['Ann', 'Bob', 'Cy'])
  await expect.poll(() => converged([ann, bob, cy].map((d) => d.page))).toBe(true)

  // Bob goes away; next time he opens the app it cannot reach the relay or anyone.
  await bob.page.evaluate(
    ([key, value]) => localStorage.setItem(key!, value!),
    [SETTINGS, UNREACHABLE],
  )
  await bob.page.close()
  bob.allow.push(/WebSocket connection to 'wss?:\/\/127\.0\.0\.1:9\/(relay|peerjs)/)
  // The ICE servers are asked of the same unreachable origin.
  bob.allow.push(/Failed to load resource: net::ERR_UNSAFE_PORT/)
  // Ann keeps the time she last saw Bob's device hold what hers held.
  await ann.page.getByTestId('tab-people').click()
  const bobRow = ann.page.getByTestId('member').filter({ hasText: 'Bob' })
  await expect(bobRow.getByTestId('member-last-sync')).toContainText('in sync at')

  await ann.page.getByTestId('edit-workplace').click()
  await ann.page.getByTestId('edit-name').fill('Acme Inc')
  await ann.page.getByTestId('edit-description').fill('Ann wrote this')
  await ann.page.getByRole('button', { name: 'Save', exact: true }).click()
  await nameDevice(cy.page, 'Cy Two')
  await expect(cy.page.getByTestId('workplace-name')).toHaveText('Acme Inc')

  const alone = await bob.reopen('/')
  await expect(alone.getByTestId('signaling-status')).not.toHaveAttribute('data-state', 'connected')
  await openWorkplace(alone, 'Acme')
  await nameDevice(alone, 'Bob Offline')
  await expect(alone.getByTestId('sync-state')).toHaveAttribute('data-state', 'offline')
  await expect(alone.getByTestId('sync-state')).toContainText(/\d+ changes? waiting/)
  await expect(alone.getByTestId('workplace-name')).toHaveText('Acme')

  // Bob comes back online.
  await alone.evaluate((key) => localStorage.removeItem(key), SETTINGS)
  await alone.reload()
  await openWorkplace(alone, 'Acme Inc')
  const pages = [ann.page, alone, cy.page]
  await expect.poll(() => converged(pages), { timeout: 30_000 }).toBe(true)
  for (const page of pages) {
    await expect(page.getByTestId('workplace-name')).toHaveText('Acme Inc')
    await expect(page.getByTestId('workplace-description')).toHaveText('Ann wrote this')
    await expectMembers(page, ['Ann', 'Bob Offline', 'Cy Two'])
    await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync')
  }
})
