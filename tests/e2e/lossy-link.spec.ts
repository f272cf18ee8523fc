import { randomBytes } from 'node:crypto'
import { expect, test, type Page } from '@playwright/test'
import { SLOW_MOBILE } from '../support/slow-mobile.ts'
import { chooseFile } from './support/choose-file.ts'
import { message, messageTexts, openChat } from './support/chat.ts'
import { openDevice, trackDevices } from './support/device.ts'
import { saveFileVersion, sha256Hex } from './support/file-versions.ts'
import { useTurnPath } from './support/turn-path.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

// Two relay-only devices on a bad network: their only path is a TURN server behind a UDP
// forwarder that delays, narrows and drops datagrams (mobile data at its worst, not a quiet
// loopback), and their pages' own traffic (the app's signaling relay) is slowed by Chromium's
// network emulation. Joining, chatting with delivery confirmation, the sync state and a file
// must all still work, only slower; the test prints how long each took.

const SECRET = 'e2e-lossy-link-secret'
/**
 * Each trip through the forwarder: device -> TURN and TURN -> device each take one, so a
 * datagram between the devices takes two: 80-120 ms one way, 4% lost, at most 2 Mbit/s.
 */
const PATH = { delayMs: 40, jitterMs: 20, loss: 0.02, rateKbps: 2000, queueMs: 400, seed: 7 }
/** Generous bounds for each step on such a path (what it took is printed). */
const STEP_MS = 60_000
const MB = 1024 * 1024

const path = useTurnPath(SECRET)
const devices = trackDevices()

test.beforeAll(() => path.proxy.impair(PATH))

async function slowDown(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', SLOW_MOBILE)
}

/** Types and sends a message with Enter, without waiting for anyone else. */
async function say(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('chat-input')
  await input.fill(text)
  await input.press('Enter')
  await expect(input, `"${text}" was sent`).toHaveValue('', { timeout: STEP_MS })
}

test('on a slow, lossy path, members join, chat with receipts, sync and share a file', async ({
  browser,
}) => {
  test.setTimeout(300_000)
  const settings = { relayOnly: true }
  const ann = await openDevice(browser, 'Ann', path.server.address.url, settings)
  const bob = await openDevice(browser, 'Bob', path.server.address.url, settings)
  devices.push(ann, bob)
  for (const d of [ann, bob]) await slowDown(d.page)
  const took: Record<string, number> = {}
  const timed = async (label: string, step: () => Promise<void>) => {
    const start = Date.now()
    await step()
    took[label] = Date.now() - start
  }

  await createWorkplace(ann.page, 'Lossy')
  const invite = await createInvite(ann.page)
  await timed('join', async () => {
    await bob.page.goto(invite)
    await expectMembers(bob.page, ['Ann', 'Bob'], STEP_MS)
    await expectMembers(ann.page, ['Ann', 'Bob'], STEP_MS)
  })

  // Both write at once, neither waiting for the other: every message shows on both, in one
  // order, and Ann's last one is confirmed read by Bob, who has the chat open.
  await openChat(ann.page)
  await openChat(bob.page)
  const texts: string[] = []
  await timed('chat', async () => {
    for (let i = 1; i <= 6; i++) {
      texts.push(`Ann ${i}`, `Bob ${i}`)
      await Promise.all([say(ann.page, `Ann ${i}`), say(bob.page, `Bob ${i}`)])
    }
    for (const d of [ann, bob]) {
      await expect
        .poll(async () => (await messageTexts(d.page)).length, {
          message: `${d.name} shows all 12 messages`,
          timeout: STEP_MS,
        })
        .toBe(texts.length)
    }
    const order = await messageTexts(ann.page)
    expect(order.toSorted()).toEqual(texts.toSorted())
    expect(await messageTexts(bob.page), 'one order on both devices').toEqual(order)
  })
  await timed('receipt', async () => {
    const receipt = message(ann.page, 'Ann 6').getByTestId('chat-receipt')
    await expect(receipt).toHaveAttribute('data-state', 'read', { timeout: STEP_MS })
  })
  await timed('in sync', async () => {
    for (const d of [ann, bob]) {
      await expect(d.page.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync', {
        timeout: STEP_MS,
      })
    }
  })

  // A file of 1 MB, in content-hashed chunks over the same path: saved byte for byte. While it
  // moves, a chat message from its sender still gets through and is confirmed delivered: the
  // file's data must not hold the connection for the length of a chunk.
  for (const d of [ann, bob]) {
    // Saving then goes through a Blob download, which the test can read.
    await d.page.evaluate(
      () => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker,
    )
    await d.page.getByTestId('tab-files').click()
    await expect(d.page.getByTestId('files-panel')).toBeVisible()
  }
  const bytes = randomBytes(MB)
  await timed('file', async () => {
    await chooseFile(ann.page.getByTestId('files-input'), 'notes.bin', bytes)
    const shown = bob.page.locator('[data-testid="file-item"][data-name="notes.bin"]')
    await expect(shown).toBeVisible({ timeout: STEP_MS })
    const saved = saveFileVersion(bob.page, 'notes.bin', 1, STEP_MS)
    await expect(shown).toContainText('%', { timeout: STEP_MS })
    await ann.page.getByTestId('tab-chat').click()
    await timed('chat during the file', async () => {
      await say(ann.page, 'while the file moves')
      const receipt = message(ann.page, 'while the file moves').getByTestId('chat-receipt')
      await expect(receipt).toHaveAttribute('data-state', /delivered|read/, { timeout: STEP_MS })
    })
    expect((await saved).sha256).toBe(sha256Hex(bytes))
  })

  const pathLost = (d: { warnings: string[] }) =>
    d.warnings.filter((w) => /path to .* lost/.test(w)).length
  console.info(
    `lossy path: ${JSON.stringify(took)} ms; datagrams ${JSON.stringify(path.proxy.counts)}; ` +
      `paths called lost: Ann ${pathLost(ann)}, Bob ${pathLost(bob)}`,
  )
  expect(path.proxy.counts.lost, 'the path dropped datagrams').toBeGreaterThan(0)
})
