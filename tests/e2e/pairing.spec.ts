import { expect, test, type Page } from '@playwright/test'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import { nameDevice, peerIdOf } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

/** The app and relay on a server of this test's own, so the test can stop it. */
function startServer(): Promise<SignalingServer> {
  return createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: 'dist',
    peerjs: false,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  })
}

/** Errors a page logs while its relay is unreachable; anything else fails the test. */
const OFFLINE_NOISE = /WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/

/** Opens the app, lets its service worker take control (so it runs with the server gone). */
async function openControlled(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url)
  await nameDevice(page, name)
  await page.evaluate(async () => {
    const worker = (await navigator.serviceWorker.ready).active
    if (worker?.state === 'activating') {
      await new Promise((resolve) => worker.addEventListener('statechange', resolve))
    }
  })
  await page.reload()
  await expect(page.getByTestId('device-name')).toHaveText(name)
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
}

test('two devices pair through the manual exchange with the relay stopped, then one joins the other’s workplace over that link', async ({
  browser,
}) => {
  const server = await startServer()
  const contexts = [await browser.newContext(), await browser.newContext()]
  const errors: string[] = []
  try {
    const [ann, bob] = await Promise.all(contexts.map((c) => c.newPage()))
    for (const page of [ann!, bob!]) {
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error' && !OFFLINE_NOISE.test(m.text())) errors.push(m.text())
      })
    }
    await openControlled(ann!, server.address.url, 'Ann')
    await openControlled(bob!, server.address.url, 'Bob')
    await createWorkplace(ann!, 'Field team')
    const invite = await createInvite(ann!)
    const [annId, bobId] = [await peerIdOf(ann!), await peerIdOf(bob!)]

    await server.close()
    // No server answers: the header says so and offers the way in that needs none.
    for (const page of [ann!, bob!]) {
      await expect(page.getByTestId('signaling-status')).toHaveAttribute(
        'data-state',
        'unanswered',
        { timeout: 20_000 },
      )
      await expect(page.getByTestId('signaling-unanswered')).toContainText(
        'pair with one of their devices',
      )
    }

    await ann!.getByTestId('signaling-pair').click()
    await ann!.getByRole('button', { name: 'Show a pairing code' }).click()
    const offer = await ann!.getByTestId('pairing-offer-code').inputValue()
    expect(offer).toMatch(/^pp1\.[A-Za-z0-9_-]+$/)
    await expect(ann!.getByTestId('pairing-offer-code-qr')).toBeVisible()

    await bob!.getByTestId('open-pairing').click()
    await bob!.getByLabel('Pairing code from the other device').fill(offer)
    await bob!.getByRole('button', { name: 'Answer it' }).click()
    const answer = await bob!.getByTestId('pairing-answer-code').inputValue()
    expect(answer).toMatch(/^pp1\./)

    await ann!.getByLabel('Answer code from the other device').fill(answer)
    await ann!.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect(ann!.getByTestId('pairing-peer')).toHaveAttribute('data-peer', bobId)
    await expect(bob!.getByTestId('pairing-peer')).toHaveAttribute('data-peer', annId)

    // The link shows in Connections as a direct path with a measured round trip.
    await ann!.keyboard.press('Escape')
    await ann!.getByRole('button', { name: 'Connections' }).click()
    const bobRow = ann!.locator(`[data-testid="diag-peer"][data-peer="${bobId}"]`)
    await expect(bobRow).toHaveAttribute('data-path', 'direct-local')
    await expect(bobRow.getByTestId('diag-rtt')).toHaveText(/^\d+ ms$/)
    await ann!.keyboard.press('Escape')

    // With no server at all, the invite travels over the paired link.
    await bob!.keyboard.press('Escape')
    await bob!.goto(invite)
    await expect(bob!.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
    await expect(bob!.getByTestId('workplace-name')).toHaveText('Field team')
    await expectMembers(bob!, ['Ann', 'Bob'])
    await expectMembers(ann!, ['Ann', 'Bob'])
    expect(errors).toEqual([])
  } finally {
    await Promise.all(contexts.map((c) => c.close()))
    await server.close()
  }
})
