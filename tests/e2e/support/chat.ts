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

export function message(page: Page, text: string) {
  return page.getByTestId('chat-message').filter({
    has: page.getByTestId('chat-message-text').filter({ hasText: text }),
  })
}
