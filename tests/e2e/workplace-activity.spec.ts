import type { Route } from '@playwright/test'
import { openChat, send } from './support/chat.ts'
import { expect, test } from './support/members.ts'

// The service worker would answer from its cache, out of the routes' reach.
test.use({ serviceWorkers: 'block' })

test('the list of workplaces shows the last message and unread count, from the index before Automerge loads', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  // Ann looks at the list, not the chat, so Bob's messages stay unread.
  await ann.page.getByRole('button', { name: 'Back to workplaces' }).click()
  await openChat(bob.page)
  await send(bob.page, 'First of two')
  await send(bob.page, 'Lunch   at the harbour?')

  const live = ann.page.getByTestId('workplace-list').getByTestId('open-workplace')
  await expect(live.getByTestId('workplace-last-text')).toHaveText('Lunch at the harbour?')
  await expect(live.getByTestId('workplace-last-author')).toHaveText('Bob')
  await expect(live.getByTestId('workplace-unread')).toHaveAttribute('data-count', '2')

  // The next start, with Automerge's wasm held back: only the stored summary can show these.
  let held: Route | undefined
  await ann.page.route('**/*.wasm', (route) => {
    held = route
  })
  await ann.page.reload()
  const saved = ann.page.getByTestId('saved-workplace-list').getByTestId('open-workplace')
  await expect(saved.getByTestId('workplace-last-text')).toHaveText('Lunch at the harbour?')
  await expect(saved.getByTestId('workplace-last-author')).toHaveText('Bob')
  await expect(saved.getByTestId('workplace-unread')).toHaveAttribute('data-count', '2')
  await expect.poll(() => held, { message: 'the wasm to be requested' }).toBeDefined()
  await expect(ann.page.getByTestId('workplace-list')).toHaveCount(0)
  await held!.continue()
  await ann.page.unroute('**/*.wasm')

  // Read, and answered: the count goes, and the last message is Ann's own.
  await live.click()
  await openChat(ann.page)
  await send(ann.page, 'Yes, at one')
  await ann.page.getByRole('button', { name: 'Back to workplaces' }).click()
  await expect(live.getByTestId('workplace-last-author')).toHaveText('You')
  await expect(live.getByTestId('workplace-last-text')).toHaveText('Yes, at one')
  await expect(live.getByTestId('workplace-unread')).toHaveCount(0)
})

test('the list of workplaces shows each one’s sync state as members come and go', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  await ann.page.getByRole('button', { name: 'Back to workplaces' }).click()
  const badge = ann.page.getByTestId('workplace-list').getByTestId('sync-state')
  await expect(badge).toHaveAttribute('data-state', 'in-sync')
  // Bob going away changes no workplace, only who is online.
  await bob.page.close()
  await expect(badge).toHaveAttribute('data-state', 'alone', { timeout: 30_000 })
  await expect(badge).toHaveText('Only you are here')
})
