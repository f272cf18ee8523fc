import { expect, test, type Page } from '@playwright/test'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { nameDevice, peerIdOf } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** Errors a page logs while a relay is unreachable; anything else fails the test. */
const OFFLINE_NOISE = /WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/

async function openConnections(page: Page) {
  await page.getByRole('button', { name: 'Connections', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Connections' })
  await expect(dialog.getByTestId('diagnostics')).toBeVisible()
  return dialog
}

test('connections show the path, round trip and bytes of a link, why a peer is gone, and relay settings apply after a reload', async ({
  browser,
}) => {
  const servers: SignalingServer[] = []
  const start = async (staticDir?: string) => {
    const server = await createSignalingServer({
      port: 0,
      host: '127.0.0.1',
      peerjs: false,
      logger: quiet,
      ...(staticDir ? { staticDir } : {}),
    })
    servers.push(server)
    return server
  }
  const app = await start('dist')
  const contexts = [await browser.newContext(), await browser.newContext()]
  const errors: string[] = []
  try {
    const [ann, bob] = (await Promise.all(contexts.map((c) => c.newPage()))) as [Page, Page]
    for (const page of [ann, bob]) {
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error' && !OFFLINE_NOISE.test(m.text())) errors.push(m.text())
      })
      await page.goto(app.address.url)
    }
    await nameDevice(ann, 'Ann')
    await nameDevice(bob, 'Bob')
    await createWorkplace(ann, 'Lab')
    await bob.goto(await createInvite(ann))
    await expectMembers(bob, ['Ann', 'Bob'])
    const bobId = await peerIdOf(bob)

    let dialog = await openConnections(ann)
    await expect(dialog.getByTestId('diag-endpoint')).toHaveAttribute('data-state', 'open')
    await expect(dialog.getByTestId('diag-endpoint')).toContainText(app.relayUrl)
    const row = dialog.locator(`[data-testid="diag-peer"][data-peer="${bobId}"]`)
    await expect(row).toContainText('Bob')
    await expect(row).toHaveAttribute('data-path', 'direct-local')
    await expect(row.getByTestId('diag-path')).toContainText('Direct (same network)')
    await expect(row.getByTestId('diag-path')).toContainText('host ↔ host')
    await expect(row.getByTestId('diag-rtt')).toHaveText(/^\d+ ms$/)
    await expect(row.getByTestId('diag-bytes')).toHaveText(
      /^\d+(\.\d)? (B|KB|MB) \/ \d+(\.\d)? (B|KB|MB)$/,
    )
    await expect(row.getByTestId('diag-bytes')).not.toHaveText('0 B / 0 B')

    // Bob's device goes away: the row says why there is no link any more.
    await contexts[1]!.close()
    await expect(row.getByTestId('diag-reason')).toBeVisible({ timeout: 20_000 })
    await expect(row.getByTestId('diag-reason')).not.toHaveText('Connecting…')
    await expect(row).toHaveAttribute('data-path', 'none')
    await expect(dialog.getByTestId('diag-history')).toContainText('Bob')
    await ann.keyboard.press('Escape')

    // Settings: a dead relay first, then a working one; they apply after a reload.
    const spare = await start()
    await ann.getByRole('button', { name: 'Settings', exact: true }).click()
    const settings = ann.getByRole('dialog', { name: 'Settings' })
    await settings.getByTestId('settings-relays').fill('ws:/bad\n')
    await settings.getByRole('button', { name: 'Save' }).click()
    await expect(settings.getByTestId('settings-errors')).toContainText('Relay line 1')
    const dead = 'ws://127.0.0.1:9/relay'
    await settings.getByTestId('settings-relays').fill(`${dead}\n${spare.relayUrl}`)
    // These servers run no PeerJS broker: with the default (both), the header would rightly
    // say "Partly connected".
    await settings.getByLabel('Relays only').check()
    await settings.getByRole('button', { name: 'Save' }).click()
    await expect(settings.getByTestId('settings-saved')).toBeVisible()
    await settings.getByRole('button', { name: 'Reload now' }).click()
    await expect(ann.getByTestId('signaling-status')).toHaveAttribute('data-state', 'connected')
    await expect(ann.getByTestId('signaling-endpoint')).toContainText(spare.relayUrl)
    dialog = await openConnections(ann)
    await expect(dialog.getByTestId('diag-endpoint')).toContainText(spare.relayUrl)
    await expect(dialog.getByTestId('diag-history')).toContainText(dead)
    await expect(row.getByTestId('diag-reason')).toHaveText(/Not online/)

    // That relay goes down too: the reason a member cannot be reached says so.
    await spare.close()
    await expect(dialog.getByTestId('diag-endpoint')).not.toHaveAttribute('data-state', 'open')
    await expect(row.getByTestId('diag-reason')).toHaveText(/^Relay down: .*127\.0\.0\.1:9/)
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})))
    for (const server of servers) await server.close()
  }
  expect(errors).toEqual([])
})
