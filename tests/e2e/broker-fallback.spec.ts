import { expect, test } from './support/members.ts'
import { converged, expectMembers, openWorkplace } from './support/workplace.ts'

const SETTINGS = 'peerplace.connection-settings'
// A relay address where nothing listens; the PeerJS broker of the app's origin still answers.
const RELAY_DOWN = JSON.stringify({ relays: ['ws://127.0.0.1:9/relay'], iceServers: [] })

test('a device that reaches only the PeerJS broker still links with members on the relay and the broker', async ({
  workplaceWith,
}) => {
  const [ann, bob, cy] = await workplaceWith(['Bob', 'Cy'])
  await expect.poll(() => converged([ann, bob, cy].map((d) => d.page))).toBe(true)

  // Bob comes back on a network where the relay cannot be reached.
  await bob.page.evaluate(
    ([key, value]) => localStorage.setItem(key!, value!),
    [SETTINGS, RELAY_DOWN],
  )
  await bob.page.close()
  bob.allow.push(/WebSocket connection to 'ws:\/\/127\.0\.0\.1:9\/relay' failed/)
  bob.allow.push(/Failed to load resource: net::ERR_UNSAFE_PORT/)
  await ann.page.getByTestId('edit-workplace').click()
  await ann.page.getByTestId('edit-name').fill('Acme Inc')
  await ann.page.getByRole('button', { name: 'Save', exact: true }).click()

  const back = await bob.reopen('/')
  // Connected through the broker, and honest about the relay: the header says the device is
  // partly connected, and Device details names each server with its own state.
  await expect(back.getByTestId('signaling-status')).toHaveAttribute('data-state', 'degraded')
  await expect(back.getByTestId('signaling-status')).toContainText('Partly connected')
  await expect(back.getByTestId('signaling-degraded')).toContainText('The relay does not answer')
  await expect(back.getByTestId('signaling-endpoint')).toContainText(/peerjs http:/)
  await expect(back.getByTestId('signaling-endpoint')).not.toContainText('127.0.0.1:9')
  await back.getByTestId('device-details').locator('summary').click()
  const carrier = (kind: string) =>
    back.locator(`[data-testid="signaling-carrier"][data-kind="${kind}"]`)
  await expect(carrier('peerjs')).toHaveAttribute('data-state', 'open')
  await expect(carrier('relay')).toHaveAttribute('data-state', 'failing')
  await expect(carrier('relay')).toContainText('ws://127.0.0.1:9/relay: not answering')
  await expect(carrier('relay').getByTestId('signaling-carrier-error')).toContainText(
    'could not connect',
  )
  await openWorkplace(back, 'Acme Inc')
  await expect(back.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync', {
    timeout: 30_000,
  })
  const pages = [ann.page, back, cy.page]
  await expect.poll(() => converged(pages), { timeout: 30_000 }).toBe(true)
  for (const page of pages) await expectMembers(page, ['Ann', 'Bob', 'Cy'])
  // Bob's links go through the broker: Ann and Cy see him online.
  for (const page of [ann.page, cy.page]) {
    const row = page.getByTestId('member').filter({ hasText: 'Bob' })
    await expect(row.getByRole('img', { name: 'online', exact: true })).toBeVisible()
  }
})
