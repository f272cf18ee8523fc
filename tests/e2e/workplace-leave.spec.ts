import { message, openChat, send } from './support/chat.ts'
import { expect, test } from './support/members.ts'
import { expectMembers, showPeople } from './support/workplace.ts'

test('a member who leaves goes back to the list, and the documents worker forgets the workplace', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  const warnings: string[] = []
  bob.page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().startsWith('documents worker')) warnings.push(m.text())
  })
  await openChat(bob.page)
  await send(bob.page, 'Off I go')
  await openChat(ann.page)
  await expect(message(ann.page, 'Off I go')).toBeVisible()

  await showPeople(bob.page)
  bob.page.once('dialog', (dialog) => void dialog.accept())
  await bob.page.getByRole('button', { name: 'Leave workplace' }).click()
  await expect(bob.page.getByTestId('new-workplace-name')).toBeVisible()
  await expect(bob.page.getByTestId('open-workplace')).toHaveCount(0)
  await expectMembers(ann.page, ['Ann'])
  // The worker answered the page's forget (else: "did not confirm forgetting a workplace").
  expect(warnings).toEqual([])
})
