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
  // Five devices in turn: on a busy 2-core machine opening each takes 10-20 s.
  test.setTimeout(150_000)
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
  // A used-up invite is no dead end: Cy asks the owners instead, and Ann lets Cy in.
  await cy.page.getByRole('button', { name: 'Ask to join' }).click()
  await expect(cy.page.getByTestId('join-status')).toHaveAttribute('data-state', 'asking')
  await expect(cy.page.getByTestId('join-detail')).toContainText('An owner of Acme decides')
  await ann.page.getByTestId('join-request').getByRole('button', { name: 'Approve' }).click()
  await expect(cy.page.getByTestId('join-status')).toHaveAttribute('data-state', 'joined')
  await cy.page.getByTestId('join-status').getByRole('button', { name: 'Dismiss' }).click()
  await expect(cy.page.getByTestId('join-status')).toHaveCount(0)

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
  for (const member of [ann, bob, cy]) {
    await member.context.clock.setFixedTime(Date.now() + 2 * 3_600_000)
  }
  const eve = await openDevice(browser, 'Eve', expiring)
  devices.push(eve)
  await expect(eve.page.getByTestId('join-refusal')).toContainText('expired')
  await expectMembers(ann.page, ['Ann', 'Bob', 'Cy'])
})

test('with no member online the invitee is told why it waits, can cancel and try again', async ({
  browser,
}) => {
  // Ann's device starts again from cold while Bob waits: generous on a busy machine.
  test.setTimeout(120_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page, '10 people')
  await ann.page.close()

  const bob = await openDevice(browser, 'Bob', invite)
  devices.push(bob)
  const banner = bob.page.getByTestId('join-status')
  await expect(banner).toHaveAttribute('data-state', 'connecting')
  const detail = bob.page.getByTestId('join-detail')
  await expect(detail).toContainText('Any member of Acme can let you in')
  await expect(detail).toContainText('one of them must have Peerplace open')
  await expect(detail).toContainText('No member is online yet')
  await banner.getByRole('button', { name: 'Cancel' }).click()
  await expect(banner).toHaveAttribute('data-state', 'cancelled')

  await ann.reopen('/')
  await banner.getByRole('button', { name: 'Try again' }).click()
  await expect(banner).toHaveAttribute('data-state', 'joined', { timeout: 60_000 })
  // "You joined …" clears by itself.
  await expect(banner).toHaveCount(0, { timeout: 30_000 })
  await expect(bob.page.getByTestId('workplace-name')).toHaveText('Acme')
})

test('a join that reaches nobody stops within about a minute, says why and offers to retry', async ({
  browser,
}) => {
  // The join gives up after 60 s without reaching any device (checked every 4 s).
  test.setTimeout(150_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page, '10 people')
  await ann.page.close()

  const opened = Date.now()
  const bob = await openDevice(browser, 'Bob', invite)
  devices.push(bob)
  const banner = bob.page.getByTestId('join-status')
  await expect(banner).toHaveAttribute('data-state', 'connecting')
  await expect(banner, 'the join stops by itself').toHaveAttribute('data-state', 'cancelled', {
    timeout: 80_000,
  })
  console.info(`join stopped ${Date.now() - opened} ms after the invite was opened`)
  await expect(banner).toContainText('Could not reach any member of Acme.')
  await expect(banner.getByTestId('join-detail')).toContainText('Stopped after 1 min')
  await expect(banner.getByTestId('join-problem')).toContainText('Last failure:')

  await ann.reopen('/')
  await banner.getByRole('button', { name: 'Try again' }).click()
  await expect(banner).toHaveAttribute('data-state', 'joined', { timeout: 60_000 })
  await expect(bob.page.getByTestId('workplace-name')).toHaveText('Acme')
})
