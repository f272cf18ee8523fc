import { expect, type Page } from '@playwright/test'

/** Shows the People tab of the open workplace (members, invites, requests). */
export async function showPeople(page: Page): Promise<void> {
  const tab = page.getByTestId('tab-people')
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click()
}

export async function createWorkplace(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-workplace-name').fill(name)
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  await expect(page.getByTestId('workplace-name')).toHaveText(name)
}

/** Creates an invite on the open workplace screen and returns its link. */
export async function createInvite(
  page: Page,
  uses: '1 person' | '10 people' = '1 person',
  validFor: '1 hour' | '1 day' | '7 days' = '1 day',
) {
  await showPeople(page)
  await page.getByLabel('Valid for').selectOption({ label: validFor })
  await page.getByLabel('Uses').selectOption({ label: uses })
  const link = page.getByTestId('invite-link')
  // The field may still show the last invite made: wait for the new one, not any link.
  const before = (await link.count()) > 0 ? await link.inputValue() : ''
  await page.getByRole('button', { name: 'Create invite link' }).click()
  await expect(link).toHaveValue(/#join=/)
  await expect(link).not.toHaveValue(before)
  return link.inputValue()
}

export async function askLink(page: Page): Promise<string> {
  await showPeople(page)
  return page.getByTestId('ask-link').inputValue()
}

/** The member names shown on the open workplace screen, sorted. */
export async function memberNames(page: Page): Promise<string[]> {
  return (await page.getByTestId('member-name').allTextContents()).map((s) => s.trim()).sort()
}

/** Waits until the open workplace lists exactly `names` (for `timeout` ms; expect's default). */
export async function expectMembers(page: Page, names: string[], timeout?: number): Promise<void> {
  await showPeople(page)
  await expect
    .poll(() => memberNames(page), timeout === undefined ? {} : { timeout })
    .toEqual([...names].sort())
}

export async function heads(page: Page): Promise<string> {
  return (await page.getByTestId('workplace').getAttribute('data-heads')) ?? ''
}

/** Each open document's heads on a page, by document ID. */
async function headsByDoc(page: Page): Promise<Map<string, string>> {
  const entries = (await heads(page)).split(' ').filter(Boolean)
  return new Map(entries.map((e) => [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)]))
}

/**
 * Whether the pages hold identical heads for every document they all have open (a device that
 * has not opened, say, an older chat shard has no heads for it), and share at least `min`.
 */
export async function converged(pages: Page[], min = 3): Promise<boolean> {
  const all = await Promise.all(pages.map(headsByDoc))
  const [first, ...rest] = all
  if (!first) return true
  const shared = [...first.keys()].filter((doc) => rest.every((m) => m.has(doc)))
  return (
    shared.length >= min && shared.every((doc) => rest.every((m) => m.get(doc) === first.get(doc)))
  )
}

export async function syncer(page: Page): Promise<string> {
  return (await page.getByTestId('workplace').getAttribute('data-syncer')) ?? ''
}

/** Opens a workplace from the list by its name. */
export async function openWorkplace(page: Page, name: string): Promise<void> {
  await page.getByTestId('open-workplace').filter({ hasText: name }).click()
  await expect(page.getByTestId('workplace-name')).toHaveText(name)
}
