import { expect, test, type Page } from '@playwright/test'
import { message, openChat, send } from './support/chat.ts'
import { openDevice, peerIdOf, trackDevices } from './support/device.ts'
import { useTurnPath } from './support/turn-path.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

// Two relay-only devices whose only network path is a TURN server behind a UDP forwarder this
// test controls. The path is cut for longer than ICE takes to notice (while signaling stays
// up), messages are sent meanwhile, and the path returns: the link must come back, with the
// messages and without reloading either page: its connection held by ICE restarts, then either
// heard again or (when the transport's retransmission timer lags behind the path) replaced by
// one fresh link dialled beside it, never dropped and re-dialled after a backoff.

const SECRET = 'e2e-link-cut-secret'
/** Longer than Chromium's ICE needs to call the path disconnected (a few seconds). */
const CUT_MS = 12_000
/**
 * The issue's bound: the messages sent during the cut show on both devices within 3 s of the
 * path's return (measured here at a load average of 5-8: about 1 s; 2.2-2.6 s with both pages'
 * CPU throttled 4x).
 */
const BACK_WITHIN_MS = 3_000

const path = useTurnPath(SECRET)
const devices = trackDevices()

/** The Connections row of `peer` on `page` (the dialog is opened if needed). */
async function linkRow(page: Page, peer: string) {
  const dialog = page.getByRole('dialog', { name: 'Connections' })
  if (!(await dialog.isVisible())) {
    await page.getByRole('button', { name: 'Connections', exact: true }).click()
  }
  return dialog.locator(`[data-testid="diag-peer"][data-peer="${peer}"]`)
}

async function closeConnections(page: Page): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Connections' })
  if (await dialog.isVisible()) await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
}

test('a cut path comes back soon, with the messages sent meanwhile', async ({ browser }) => {
  test.setTimeout(120_000)
  const settings = { relayOnly: true }
  const ann = await openDevice(browser, 'Ann', path.server.address.url, settings)
  const bob = await openDevice(browser, 'Bob', path.server.address.url, settings)
  devices.push(ann, bob)
  await createWorkplace(ann.page, 'Cut')
  await bob.page.goto(await createInvite(ann.page))
  await expectMembers(bob.page, ['Ann', 'Bob'])
  const [annId, bobId] = [await peerIdOf(ann.page), await peerIdOf(bob.page)]
  await expect(await linkRow(ann.page, bobId)).toHaveAttribute('data-path', 'relayed')
  await closeConnections(ann.page)

  await openChat(ann.page)
  await openChat(bob.page)
  await send(ann.page, 'before the cut')
  await expect(message(bob.page, 'before the cut')).toBeVisible()

  path.proxy.cut()
  const cutAt = Date.now()
  // The link stays (restarting) rather than being dropped: the pages never reload.
  const annRow = await linkRow(ann.page, bobId)
  await expect(annRow, 'Ann notices the cut path').toHaveAttribute('data-link', 'restarting', {
    timeout: CUT_MS,
  })
  await closeConnections(ann.page)
  await send(ann.page, 'from Ann during the cut')
  await send(bob.page, 'from Bob during the cut')
  await ann.page.waitForTimeout(Math.max(0, CUT_MS - (Date.now() - cutAt)))
  await expect(message(bob.page, 'from Ann during the cut'), 'the cut held').toHaveCount(0)
  await expect(message(ann.page, 'from Bob during the cut'), 'the cut held').toHaveCount(0)
  const dropped = path.proxy.counts.dropped
  expect(dropped, 'datagrams dropped during the cut').toBeGreaterThan(0)

  path.proxy.restore()
  const restoredAt = Date.now()
  await expect(message(bob.page, 'from Ann during the cut')).toBeVisible({
    timeout: BACK_WITHIN_MS,
  })
  await expect(message(ann.page, 'from Bob during the cut')).toBeVisible({
    timeout: Math.max(1, BACK_WITHIN_MS - (Date.now() - restoredAt)),
  })
  console.info(`messages shown ${Date.now() - restoredAt} ms after the path returned`)

  // The same connection, restarted, or one fresh link beside it: never a drop and a re-dial.
  for (const [page, peer] of [
    [ann.page, bobId],
    [bob.page, annId],
  ] as const) {
    const row = await linkRow(page, peer)
    await expect(row).toHaveAttribute('data-link', 'open')
    await expect(row).toHaveAttribute('data-links-made', /^[12]$/)
    await closeConnections(page)
  }
  await send(bob.page, 'after the return')
  await expect(message(ann.page, 'after the return')).toBeVisible()
})
