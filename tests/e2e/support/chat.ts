import { expect, type Page } from '@playwright/test'

export async function openChat(page: Page): Promise<void> {
  await page.getByTestId('tab-chat').click()
  await expect(page.getByTestId('chat-input')).toBeVisible()
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text)
  await page.getByTestId('chat-send').click()
  await expect(page.getByTestId('chat-message-text').filter({ hasText: text })).toBeVisible()
}

/** The texts of the messages shown, in order. */
export async function messageTexts(page: Page): Promise<string[]> {
  return (await page.getByTestId('chat-message-text').allTextContents()).map((t) => t.trim())
}

/**
 * The texts of the messages shown once older ones are rendered too, in order. The list renders
 * the newest page of messages (reaching back to the first unread, if it knows of one when it
 * opens); a reader sees the rest with "Load older messages", which this presses, a page a call.
 */
export async function allMessageTexts(page: Page): Promise<string[]> {
  const older = page.getByTestId('chat-load-older')
  // The list may re-render under the click; a missed click is tried again at the caller's next poll.
  if (await older.isVisible()) await older.click({ timeout: 2_000 }).catch(() => undefined)
  return messageTexts(page)
}

export function message(page: Page, text: string) {
  return page.getByTestId('chat-message').filter({
    has: page.getByTestId('chat-message-text').filter({ hasText: text }),
  })
}

/** Opens a message's actions (the ⋯ button); returns the message, found by its ID. */
async function actionsOf(page: Page, text: string) {
  const id = await message(page, text).getAttribute('data-id')
  const shown = page.locator(`[data-testid="chat-message"][data-id="${id}"]`)
  await shown.getByTestId('chat-message-menu').click()
  return shown
}

/** Edits one of this device's messages through its actions. */
export async function editMessage(page: Page, text: string, edited: string): Promise<void> {
  const shown = await actionsOf(page, text)
  await shown.getByTestId('chat-edit').click()
  await shown.getByTestId('chat-edit-input').fill(edited)
  await shown.getByTestId('chat-edit-save').click()
  await expect(shown.getByTestId('chat-message-text')).toHaveText(edited)
  await expect(shown.getByTestId('chat-message-edited')).toBeVisible()
}

/** Deletes one of this device's messages through its actions, confirming. */
export async function deleteMessage(page: Page, text: string): Promise<void> {
  const shown = await actionsOf(page, text)
  page.once('dialog', (dialog) => void dialog.accept())
  await shown.getByTestId('chat-delete').click()
  await expect(shown.getByTestId('chat-message-text')).toHaveText('Message deleted')
}

/** Reacts to a message with one of the quick reactions. */
export async function react(page: Page, text: string, emoji: string): Promise<void> {
  const shown = await actionsOf(page, text)
  await shown.getByTestId('chat-react').click()
  await shown.getByTestId(`chat-react-${emoji}`).click()
  await expect(shown.locator(`[data-testid="chat-reaction"][data-emoji="${emoji}"]`)).toBeVisible()
}
