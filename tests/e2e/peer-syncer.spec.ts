import { expect, test, type Page } from '@playwright/test'
import { openDevice, peerIdOf, type Device } from './support/device.ts'
import { createInvite, createWorkplace, expectMembers, showPeople } from './support/workplace.ts'

const devices: Device[] = []
test.afterEach(async () => {
  for (const device of devices.splice(0)) {
    expect(device.errors, `${device.name} had errors`).toEqual([])
    await device.context.close()
  }
})

/** The peer the member list marks as the Syncer (empty if none). */
async function shownSyncer(page: Page): Promise<string> {
  const member = page.getByTestId('member').filter({ has: page.getByTestId('syncer-badge') })
  if ((await member.count()) !== 1) return ''
  return (await member.getAttribute('data-peer')) ?? ''
}

/** Records, in the page, the wall-clock time at which the member list first marks `peer`. */
async function watchSyncer(page: Page, peer: string): Promise<void> {
  await page.evaluate((expected) => {
    const state = { at: 0 }
    Object.assign(window, { syncerSeenAt: state })
    const check = () => {
      const badge = document.querySelector('[data-testid="syncer-badge"]')
      const member = badge?.closest<HTMLElement>('[data-testid="member"]')
      if (state.at === 0 && member?.dataset.peer === expected) state.at = Date.now()
    }
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
    })
    check()
  }, peer)
}

async function syncerSeenAt(page: Page): Promise<number> {
  return page.evaluate(
    () => (window as unknown as { syncerSeenAt: { at: number } }).syncerSeenAt.at,
  )
}

test("the Syncer's page closes: the others agree on the next Syncer within 3 s", async ({
  browser,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page, '10 people')
  for (const name of ['Bob', 'Cy']) {
    const device = await openDevice(browser, name, invite)
    devices.push(device)
    await expect(device.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  }
  const ids = new Map<Device, string>()
  for (const device of devices) ids.set(device, await peerIdOf(device.page))
  const sorted = [...devices].sort((a, b) => (ids.get(a)! < ids.get(b)! ? -1 : 1))
  const [syncer, next] = [sorted[0]!, sorted[1]!]

  for (const device of devices) {
    await showPeople(device.page)
    await expectMembers(device.page, ['Ann', 'Bob', 'Cy'])
    await expect(device.page.getByRole('img', { name: 'online', exact: true })).toHaveCount(3)
    await expect.poll(() => shownSyncer(device.page)).toBe(ids.get(syncer))
  }

  const remaining = devices.filter((device) => device !== syncer)
  for (const device of remaining) await watchSyncer(device.page, ids.get(next)!)
  const closedAt = Date.now()
  await syncer.page.close()

  for (const device of remaining) {
    await expect.poll(() => syncerSeenAt(device.page), { timeout: 10_000 }).toBeGreaterThan(0)
  }
  const agreedAt = Math.max(...(await Promise.all(remaining.map((d) => syncerSeenAt(d.page)))))
  const failoverMs = agreedAt - closedAt
  test.info().annotations.push({ type: 'failover_ms', description: String(failoverMs) })
  console.info(`Syncer failover: every remaining page named the next Syncer in ${failoverMs} ms`)
  expect(failoverMs).toBeLessThanOrEqual(3000)
  for (const device of remaining) {
    expect(await shownSyncer(device.page)).toBe(ids.get(next))
    await expect(device.page.getByRole('img', { name: 'online', exact: true })).toHaveCount(2)
  }
})
