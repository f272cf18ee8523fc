import { expect, test } from '@playwright/test'
import { decodeWorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'
import { signRecord } from '../../src/crdt/membership/sign.ts'
import { asTopic } from '../../src/peer/ids.ts'
import { until } from '../support/until.ts'
import { openDevice, peerIdOf, type Device } from './support/device.ts'
import { startNodeDevice, type NodeDevice } from './support/node-device.ts'
import { createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

const devices: Device[] = []
const nodes: NodeDevice[] = []
test.afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close()
  for (const device of devices.splice(0)) {
    expect(device.errors, `${device.name} had errors`).toEqual([])
    await device.context.close()
  }
})

test('forged membership changes are ignored and a removed member gets nothing more', async ({
  browser,
  baseURL,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const bob = await openDevice(browser, 'Bob', await createInvite(ann.page))
  devices.push(bob)
  await expectMembers(ann.page, ['Ann', 'Bob'])

  // Mel joins with an invite, from a device that runs outside any browser.
  const link = decodeWorkplaceLink(await createInvite(ann.page))
  const mel = await startNodeDevice(baseURL!, 'Mel')
  nodes.push(mel)
  mel.stack.joins.start(link)
  const melAcme = await until(
    () => mel.stack.workplaces.get(link.workplace),
    'Mel to join',
    20_000,
  ).then((wp) => wp!)
  await expectMembers(ann.page, ['Ann', 'Bob', 'Mel'])

  // Mel, a plain member, writes a signed "add Zed" and an unsigned "promote Mel".
  const zed = 'z'.repeat(32)
  const forged = await signRecord(mel.identity, {
    kind: 'add',
    subject: zed as never,
    workplace: link.workplace,
    clock: 99,
    at: Date.now(),
  })
  melAcme.handle.change((doc) => {
    doc.records.forged = structuredClone(forged)
    doc.records.unsigned = {
      body: { ...forged.body, kind: 'promote', subject: mel.identity.peerId },
      sig: 'AAAA',
    } as never
    doc.description = 'Mel was here'
  })
  // Then a genuine change of Mel's own: once it shows, the forged one has arrived too.
  await melAcme.setProfileName('Mel.')
  for (const { page } of [ann, bob]) {
    await expectMembers(page, ['Ann', 'Bob', 'Mel.'])
    // Only an owner's signed record describes the workplace.
    await expect(page.getByTestId('workplace-description')).toHaveCount(0)
    await expect(page.getByTestId('member').filter({ hasText: 'Mel' })).toHaveAttribute(
      'data-role',
      'member',
    )
  }

  // Ann removes Mel (and confirms). Mel's links are refused and later changes never reach it.
  ann.page.once('dialog', (dialog) => void dialog.accept())
  await ann.page
    .getByTestId('member')
    .filter({ hasText: 'Mel' })
    .getByRole('button', { name: 'Remove' })
    .click()
  await expectMembers(bob.page, ['Ann', 'Bob'])
  const annId = await peerIdOf(ann.page)
  await until(() => !mel.mesh.linkedPeers().includes(annId as never), 'Ann to drop Mel', 15_000)
  await ann.page.getByTestId('edit-workplace').click()
  await ann.page.getByTestId('edit-description').fill('after Mel left')
  await ann.page.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(bob.page.getByTestId('workplace-description')).toHaveText('after Mel left')
  await new Promise((resolve) => setTimeout(resolve, 2000))
  // The plain field still holds Mel's own write: Ann's later one never reached it.
  expect(melAcme.doc?.description).toBe('Mel was here')

  // A fresh device with Mel's key, knowing the root document's ID, asks for it: nothing.
  await mel.close()
  nodes.length = 0
  const again = await startNodeDevice(baseURL!, 'Mel', mel.identity)
  nodes.push(again)
  again.mesh.join(asTopic(`wp.${link.workplace}`))
  again.mesh.setGroup('probe', [annId as never])
  const rootUrl = melAcme.handle.url
  again.stack.workplaces.trustWhileJoining(melAcme.handle.documentId, annId as never)
  await expect(
    again.stack.repo.find(rootUrl, { signal: AbortSignal.timeout(8000) }),
  ).rejects.toThrow()
  expect(again.mesh.linkedPeers()).not.toContain(annId)
})
