import { expect, test } from '@playwright/test'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { turnCredentials } from '../../signaling/turn-credentials.ts'
import { startCoturn, type Coturn } from '../support/coturn.ts'
import { openDevice, peerIdOf, type Device } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

// Two devices in relay-only mode, with the TURN credentials the app's server issues for a
// coturn started here (TURN REST scheme, use-auth-secret).

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const SECRET = 'e2e-turn-secret'

let coturn: Coturn
const servers: SignalingServer[] = []
const devices: Device[] = []

test.beforeAll(async () => {
  coturn = await startCoturn(SECRET)
})
test.afterAll(async () => {
  for (const server of servers.splice(0)) await server.close()
  await coturn?.stop()
})
test.afterEach(async () => {
  for (const device of devices.splice(0)) await device.context.close().catch(() => {})
})

/** The app, relay and ICE announcement, with TURN credentials signed with `secret`. */
async function appServer(secret: string): Promise<SignalingServer> {
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: 'dist',
    // Like `npm start`: the app's default first contact is the relay and this broker.
    peerjs: true,
    logger: quiet,
    ice: { turn: [coturn.url], turnSecret: secret },
  })
  servers.push(server)
  return server
}

test('relay-only devices link through TURN with server-issued credentials', async ({ browser }) => {
  const server = await appServer(SECRET)
  const settings = { relayOnly: true }
  const ann = await openDevice(browser, 'Ann', server.address.url, settings)
  const bob = await openDevice(browser, 'Bob', server.address.url, settings)
  devices.push(ann, bob)
  await createWorkplace(ann.page, 'Relayed')
  await bob.page.goto(await createInvite(ann.page))
  await expectMembers(bob.page, ['Ann', 'Bob'])

  await ann.page.getByRole('button', { name: 'Connections', exact: true }).click()
  const dialog = ann.page.getByRole('dialog', { name: 'Connections' })
  await expect(dialog.getByTestId('diag-ice')).toContainText(coturn.url)
  await expect(dialog.getByTestId('diag-ice')).toContainText('announced by the server')
  await expect(dialog.getByTestId('diag-ice')).toContainText('Relay only')
  const row = dialog.locator(`[data-testid="diag-peer"][data-peer="${await peerIdOf(bob.page)}"]`)
  await expect(row).toHaveAttribute('data-path', 'relayed')
  await expect(row.getByTestId('diag-path')).toContainText('Relayed through a TURN server')
  await expect(row.getByTestId('diag-path')).toContainText('relay ↔ relay')
  await expect(ann.page.getByTestId('linked-count')).toHaveAttribute('data-count', '1')
  expect([...ann.errors, ...bob.errors]).toEqual([])
})

test('a wrong TURN secret is shown as a clear failure within 10 s', async ({ browser }) => {
  const server = await appServer('not-the-secret')
  const settings = { relayOnly: true }
  const ann = await openDevice(browser, 'Ann', server.address.url, settings)
  const bob = await openDevice(browser, 'Bob', server.address.url, settings)
  devices.push(ann, bob)
  await createWorkplace(ann.page, 'Refused')
  const invite = await createInvite(ann.page)

  const opened = Date.now()
  await bob.page.goto(invite)
  const problem = bob.page.getByTestId('join-problem')
  await expect(problem).toContainText('TURN refused the user name/password', { timeout: 10_000 })
  const shownMs = Date.now() - opened
  console.info(`join failure shown after ${shownMs} ms`)
  expect(shownMs).toBeLessThan(10_000)
  await expect(problem).toContainText('Settings')
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'connecting')

  await bob.page.getByRole('button', { name: 'Connections', exact: true }).click()
  const dialog = bob.page.getByRole('dialog', { name: 'Connections' })
  const row = dialog.locator(`[data-testid="diag-peer"][data-peer="${await peerIdOf(ann.page)}"]`)
  await expect(row.getByTestId('diag-reason')).toContainText('TURN refused the user name/password')
  await expect(dialog.getByTestId('diag-history')).toContainText('401')
})

test('the Test button of a STUN/TURN entry reports a relay, or the refusal in words', async ({
  browser,
}) => {
  const server = await appServer(SECRET)
  const ann = await openDevice(browser, 'Ann', server.address.url)
  devices.push(ann)
  const good = turnCredentials(SECRET, 'tester', 3600)
  await ann.page.getByRole('button', { name: 'Settings', exact: true }).click()
  const settings = ann.page.getByRole('dialog', { name: 'Settings' })
  for (const password of [good.credential, 'wrong-password']) {
    await settings.getByRole('button', { name: 'Add a server' }).click()
    const row = settings.getByRole('group', { name: /^Server \d+$/ }).last()
    await row.getByTestId('ice-urls').fill(coturn.url)
    await row.getByLabel('User name').fill(good.username)
    await row.getByLabel('Password').fill(password)
    await row.getByTestId('ice-test').click()
  }
  const results = settings.getByTestId('ice-test-result')
  await expect(results.nth(0)).toHaveText('Works: TURN gave a relay address.')
  await expect(results.nth(1)).toContainText('TURN refused the user name/password (401)')
})
