import { expect, test } from '@playwright/test'
import { openDevice, trackDevices } from './support/device.ts'
import { askLink, createInvite, createWorkplace, expectMembers } from './support/workplace.ts'

const devices = trackDevices()

test('invite link admits; an owner approves one request and denies another', async ({
  browser,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page)

  const bob = await openDevice(browser, 'Bob')
  devices.push(bob)
  await bob.page.goto(invite)
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  await expect(bob.page.getByTestId('workplace-name')).toHaveText('Acme')
  await expectMembers(bob.page, ['Ann', 'Bob'])

  const ask = await askLink(ann.page)
  const cy = await openDevice(browser, 'Cy')
  devices.push(cy)
  await cy.page.goto(ask)
  await expect(cy.page.getByTestId('join-status')).toHaveAttribute('data-state', 'asking')
  const request = ann.page.getByTestId('join-request')
  await expect(request).toContainText('Cy')
  await request.getByRole('button', { name: 'Approve' }).click()
  await expect(cy.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  await expect(cy.page.getByTestId('workplace-name')).toHaveText('Acme')
  await expectMembers(cy.page, ['Ann', 'Bob', 'Cy'])
  await expectMembers(bob.page, ['Ann', 'Bob', 'Cy'])

  const dee = await openDevice(browser, 'Dee')
  devices.push(dee)
  await dee.page.goto(ask)
  await expect(ann.page.getByTestId('join-request')).toContainText('Dee')
  await ann.page.getByTestId('join-request').getByRole('button', { name: 'Deny' }).click()
  await expect(dee.page.getByTestId('join-status')).toHaveAttribute('data-state', 'refused')
  await expect(dee.page.getByTestId('join-refusal')).toContainText('declined')
  await expect(dee.page.getByTestId('workplace-name')).toHaveCount(0)
  await expect(dee.page.getByTestId('open-workplace')).toHaveCount(0)
  await expectMembers(ann.page, ['Ann', 'Bob', 'Cy'])
})

test('expired, revoked and used-up invites are refused with a clear message', async ({
  browser,
}) => {
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')

  const single = await createInvite(ann.page, '1 person')
  const bob = await openDevice(browser, 'Bob', single)
  devices.push(bob)
  await expect(bob.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  const cy = await openDevice(browser, 'Cy', single)
  devices.push(cy)
  await expect(cy.page.getByTestId('join-status')).toHaveAttribute('data-state', 'refused')
  await expect(cy.page.getByTestId('join-refusal')).toContainText('already been used')

  const revoked = await createInvite(ann.page, '10 people')
  await ann.page
    .getByTestId('open-invite')
    .filter({ hasText: '0/10' })
    .getByRole('button', { name: 'Revoke' })
    .click()
  await expect(ann.page.getByTestId('open-invite').filter({ hasText: '0/10' })).toHaveCount(0)
  const dee = await openDevice(browser, 'Dee', revoked)
  devices.push(dee)
  await expect(dee.page.getByTestId('join-refusal')).toContainText('revoked')

  // The invite is valid for an hour; on the members' devices two hours pass before Eve arrives
  // (any member may admit with a valid invite, so every member's clock must say it expired).
  const expiring = await createInvite(ann.page, '10 people', '1 hour')
  for (const member of [ann, bob]) {
    await member.context.clock.setFixedTime(Date.now() + 2 * 3_600_000)
  }
  const eve = await openDevice(browser, 'Eve', expiring)
  devices.push(eve)
  await expect(eve.page.getByTestId('join-refusal')).toContainText('expired')
  await expectMembers(ann.page, ['Ann', 'Bob'])
})
