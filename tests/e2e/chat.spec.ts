import { message, messageTexts, openChat, send } from './support/chat.ts'
import { nameDevice, type Device } from './support/device.ts'
import { expect, test } from './support/members.ts'
import { openWorkplace, showPeople } from './support/workplace.ts'

/** Opens the chat on each device. */
async function openChats(devices: readonly Device[]) {
  for (const d of devices) await openChat(d.page)
}

test('a member who was away sees every message in the same order, replies linked', async ({
  workplaceWith,
}) => {
  const [ann, bob, cy] = await workplaceWith(['Bob', 'Cy'])
  await openChats([ann, bob, cy])
  await send(ann.page, 'Hello all')
  await expect(message(bob.page, 'Hello all')).toBeVisible()
  await bob.page.close()

  await send(cy.page, 'Cy here')
  await send(ann.page, 'Lunch at noon?')
  await message(cy.page, 'Lunch at noon?').getByTestId('chat-message-menu').click()
  await message(cy.page, 'Lunch at noon?').getByTestId('chat-reply').click()
  await send(cy.page, 'Yes please')
  await send(ann.page, 'Great')

  const back = await bob.reopen('/')
  await openWorkplace(back, 'Acme')
  await openChat(back)
  const expected = ['Hello all', 'Cy here', 'Lunch at noon?', 'Yes please', 'Great']
  for (const page of [ann.page, back, cy.page]) {
    await expect.poll(() => messageTexts(page)).toEqual(expected)
  }
  const parentId = await message(ann.page, 'Lunch at noon?').getAttribute('data-id')
  const reply = message(back, 'Yes please').getByTestId('chat-reply-to')
  await expect(reply).toHaveAttribute('data-reply-to', parentId!)
  await expect(reply).toContainText('Lunch at noon?')
})

test('receipts: delivered to all once everyone has it, read once they open it', async ({
  workplaceWith,
}) => {
  const [ann, bob, cy] = await workplaceWith(['Bob', 'Cy'])
  await openChats([ann, bob, cy])
  // Bob and Cy look elsewhere, so the message is delivered but not yet read.
  for (const d of [bob, cy]) await d.page.getByTestId('tab-people').click()
  await send(ann.page, 'Please read me')
  const receipt = message(ann.page, 'Please read me').getByTestId('chat-receipt')
  await expect(receipt).toHaveAttribute('data-state', 'delivered')
  await expect(receipt.getByTestId('chat-receipt-label')).toContainText('delivered to all')

  await openChat(bob.page)
  await expect(message(bob.page, 'Please read me')).toBeVisible()
  await expect(receipt.getByTestId('chat-receipt-label')).toContainText('read by 1')
  await openChat(cy.page)
  await expect(receipt).toHaveAttribute('data-state', 'read')

  // The full date is the time's tooltip, set once the pointer is over it.
  const time = message(ann.page, 'Please read me').locator('time')
  await expect(time).not.toHaveAttribute('title')
  await time.hover()
  await expect(time).toHaveAttribute('title', /\d{1,2}.*\d{1,2}:\d{2}:\d{2}/)
})

test('markup in a message or a name is shown as text and never runs', async ({ workplaceWith }) => {
  const members = await workplaceWith(['Bob', 'Cy'])
  await openChats(members)
  const [ann, bob] = members
  const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
  const name = '<img src=x onerror="window.__pwned=3">'
  await nameDevice(ann.page, name)
  await send(ann.page, payload)
  await send(ann.page, 'see https://example.org/path and javascript:alert(1)')
  const shown = message(bob.page, '<img src=x')
  await expect(shown.getByTestId('chat-message-text')).toHaveText(payload)
  await expect(shown.getByTestId('chat-message-author')).toHaveText(name)
  const link = message(bob.page, 'see https').getByRole('link')
  await expect(link).toHaveCount(1)
  await expect(link).toHaveAttribute('href', 'https://example.org/path')
  await expect(link).toHaveAttribute('rel', /noopener/)
  for (const d of [ann, bob]) {
    expect(await d.page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined()
    await expect(d.page.locator('img[src="x"]')).toHaveCount(0)
  }
})

test('sending shows the sent message, even while reading further up', async ({ workplaceWith }) => {
  const [ann] = await workplaceWith([])
  await openChat(ann.page)
  const input = ann.page.getByTestId('chat-input')
  for (let i = 1; i <= 30; i++) {
    await input.fill(`Line ${i}.`)
    await input.press('Enter')
  }
  await expect(message(ann.page, 'Line 30.')).toBeInViewport()
  await ann.page.getByTestId('chat-log').evaluate((log) => (log.scrollTop = 0))
  await expect(message(ann.page, 'Line 30.')).not.toBeInViewport()
  await send(ann.page, 'Back at the bottom')
  await expect(message(ann.page, 'Back at the bottom')).toBeInViewport()
})

test('a reader following a busy chat writes read receipts in batches, not one per message', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  await openChats([ann, bob])
  // Ann's page counts how often the number of her messages shown as read goes up: once per
  // read receipt Bob's device writes (each is one change, synced and applied on its own).
  await ann.page.evaluate(() => {
    const w = window as { readSteps?: number }
    w.readSteps = 0
    let read = 0
    new MutationObserver(() => {
      const now = document.querySelectorAll('[data-testid="chat-receipt"][data-state="read"]')
      if (now.length > read) w.readSteps! += 1
      read = now.length
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  })
  const count = 20
  await ann.page.evaluate(async (count) => {
    const input = document.querySelector<HTMLTextAreaElement>('[data-testid="chat-input"]')!
    const sendButton = document.querySelector<HTMLButtonElement>('[data-testid="chat-send"]')!
    for (let i = 1; i <= count; i++) {
      while (input.value !== '') await new Promise((resolve) => setTimeout(resolve, 1))
      input.value = `Busy ${i}`
      input.dispatchEvent(new Event('input', { bubbles: true }))
      // Send is enabled once the app has the text, a microtask later.
      await Promise.resolve()
      sendButton.click()
      await new Promise((resolve) => setTimeout(resolve, 40))
    }
  }, count)
  await expect(message(bob.page, `Busy ${count}`)).toBeVisible()
  const read = ann.page.locator('[data-testid="chat-receipt"][data-state="read"]')
  await expect(read).toHaveCount(count)
  // 20 messages over about a second: a receipt at most every quarter second is a handful of
  // steps; a receipt per arriving message would be about twenty.
  const steps = await ann.page.evaluate(() => (window as { readSteps?: number }).readSteps ?? 0)
  expect(steps).toBeGreaterThan(0)
  expect(steps).toBeLessThanOrEqual(count / 2)
})

test('the sync badge does not flicker while a busy chat’s changes reach the others', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  await openChats([ann, bob])
  const pages = [ann.page, bob.page]
  for (const page of pages) {
    await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync')
    // Every state the badge shows from now on, in order.
    await page.evaluate(() => {
      const w = window as { badgeStates?: string[] }
      w.badgeStates = []
      const badge = document.querySelector('[data-testid="sync-state"]')!
      new MutationObserver((records) => {
        for (const record of records) {
          w.badgeStates!.push((record.target as Element).getAttribute('data-state') ?? '')
        }
      }).observe(badge, { attributes: true, attributeFilter: ['data-state'] })
    })
  }
  // Each message puts both devices out of step until the other reports its heads: short
  // spells, which the badge flipped to "Syncing" and back for, several times a second.
  const count = 15
  for (let i = 1; i <= count; i++) {
    await send(i % 2 === 0 ? bob.page : ann.page, `Steady ${i}`)
    await ann.page.waitForTimeout(150)
  }
  for (const page of pages) {
    await expect(message(page, `Steady ${count}`)).toBeVisible()
    await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'in-sync')
    // A busy two-way chat may be out of step for long enough to show once (on a loaded
    // machine); a flip per message is what this rules out.
    const states = await page.evaluate(() => (window as { badgeStates?: string[] }).badgeStates)
    expect(states!.length, `the badge showed ${states!.join(', ')}`).toBeLessThanOrEqual(2)
  }
})

test('the member list’s “syncing” tag does not flicker while a member writes a busy chat', async ({
  workplaceWith,
}) => {
  const [ann, bob] = await workplaceWith(['Bob'])
  await openChat(bob.page)
  await showPeople(ann.page)
  await expect(ann.page.getByTestId('member')).toHaveCount(2)
  await expect(ann.page.getByTestId('member-syncing')).toHaveCount(0)
  // How many times a "syncing" tag appears on Ann's list from now on.
  await ann.page.evaluate(() => {
    const w = window as { syncingTags?: number }
    w.syncingTags = 0
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node instanceof Element && node.matches('[data-testid="member-syncing"]')) {
            w.syncingTags! += 1
          }
        }
      }
    }).observe(document.querySelector('[data-testid="members"]')!, {
      childList: true,
      subtree: true,
    })
  })
  const count = 15
  for (let i = 1; i <= count; i++) {
    await send(bob.page, `Busy ${i}`)
    await bob.page.waitForTimeout(150)
  }
  await expect(message(bob.page, `Busy ${count}`)).toBeVisible()
  await expect(ann.page.getByTestId('member-syncing')).toHaveCount(0, { timeout: 10_000 })
  const tags = await ann.page.evaluate(() => (window as { syncingTags?: number }).syncingTags)
  expect(tags).toBeLessThanOrEqual(1)
})
