import type { SyncReport } from '../../src/crdt/sync/sync-report.ts'
import { message, openChat, send } from './support/chat.ts'
import { peerIdOf, type Device } from './support/device.ts'
import { expect, test } from './support/members.ts'
import { openWorkplace } from './support/workplace.ts'

/** Which way a page's documents worker pushes its changes (see DocumentsWorkerHost.pushPaths). */
async function pushPaths(device: Device): Promise<{ direct: string[]; relayed: number }> {
  return device.page.evaluate(() => {
    const report = (
      window as unknown as { peerplaceSyncReport(): SyncReport }
    ).peerplaceSyncReport()
    if (!report.workerPushes) throw new Error('no documents worker pushes in the sync report')
    return report.workerPushes
  })
}

test('chat changes go from one documents worker to the others on their own channels, not through the pages', async ({
  workplaceWith,
}) => {
  const members = await workplaceWith(['Bob', 'Cy'])
  for (const d of members) await openChat(d.page)
  const ids = await Promise.all(members.map((d) => peerIdOf(d.page)))
  // Each worker has a channel of its own to each other member's.
  for (const [i, d] of members.entries()) {
    const others = ids.filter((_, j) => j !== i).sort()
    await expect
      .poll(async () => (await pushPaths(d)).direct.sort(), { timeout: 30_000 })
      .toEqual(others)
  }
  const before = await Promise.all(members.map(pushPaths))
  const texts: string[] = []
  for (let i = 0; i < 9; i++) {
    const text = `Direct ${i}`
    texts.push(text)
    await send(members[i % 3]!.page, text)
  }
  for (const d of members) {
    for (const text of texts) await expect(message(d.page, text)).toBeVisible()
  }
  // No page sent any of those changes on: the workers reached every member themselves.
  const after = await Promise.all(members.map(pushPaths))
  expect(after.map((p) => p.relayed)).toEqual(before.map((p) => p.relayed))
})

test('a member back after closing the app is reached on a channel of the new link', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  for (const d of [ann, bob]) await openChat(d.page)
  const [annId, bobId] = await Promise.all([ann, bob].map((d) => peerIdOf(d.page)))
  const direct = async (d: Device) => (await pushPaths(d)).direct
  await expect.poll(() => direct(ann), { timeout: 30_000 }).toEqual([bobId])
  await bob.page.close()
  await expect.poll(() => direct(ann), { timeout: 30_000 }).toEqual([])

  const back = await bob.reopen('/')
  await openWorkplace(back, 'Acme')
  await openChat(back)
  await expect.poll(() => direct(ann), { timeout: 30_000 }).toEqual([bobId])
  await expect.poll(() => direct(bob), { timeout: 30_000 }).toEqual([annId])
  const before = await pushPaths(ann)
  await send(ann.page, 'Welcome back')
  await expect(message(back, 'Welcome back')).toBeVisible()
  expect((await pushPaths(ann)).relayed).toBe(before.relayed)
})
