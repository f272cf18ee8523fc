import { expect, test, type Locator, type Page } from '@playwright/test'
import { deleteMessage, editMessage, message, openChat, react, send } from './support/chat.ts'
import { chooseFile } from './support/choose-file.ts'
import { nameDevice, openDevice, peerIdOf, trackDevices } from './support/device.ts'
import { Forger } from './support/forger.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import {
  createInvite,
  createWorkplace,
  expectMembers,
  memberNames,
  showPeople,
} from './support/workplace.ts'

const devices = trackDevices()
const forgers: Forger[] = []
test.afterEach(async () => {
  for (const forger of forgers.splice(0)) await forger.close()
})

/** Messages shown as genuine (signed by their author's device) that contain `text`. */
function genuine(page: Page, text: string) {
  return page.locator('[data-testid="chat-message"][data-verified="true"]').filter({
    has: page.getByTestId('chat-message-text').filter({ hasText: text }),
  })
}

/** What Mel writes in others' names: none of it may ever show as genuine. */
const FORGED_TEXTS = [
  'Fire Bob.',
  'Pay Mel double.',
  'The meeting is cancelled.',
  'Lunch is on Bob.',
]

async function expectNoForgedChat(page: Page): Promise<void> {
  for (const text of FORGED_TEXTS) await expect(genuine(page, text)).toHaveCount(0)
  await expect(genuine(page, 'I quit.')).toHaveCount(0)
  await expect(page.locator('[data-testid="chat-reaction"][data-emoji="👎"]')).toHaveCount(0)
  await expect(page.locator('[data-testid="chat-reaction"][data-emoji="💩"]')).toHaveCount(0)
}

async function expectNoForgedAbout(page: Page): Promise<void> {
  await expect(page.getByTestId('workplace-name')).not.toHaveText('Mel Corp')
  await expect(page.getByText('Run by Mel')).toHaveCount(0)
  expect(await memberNames(page)).not.toContain('Bob (fired)')
}

test('a member device writing in others’ names is never believed; real authors are', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page, '10 people')
  const bob = await openDevice(browser, 'Bob', invite)
  devices.push(bob)
  // Mel is a member like any other, on a device modified to write straight into the documents.
  const mel = await Forger.join(baseURL!, invite, 'Mel')
  forgers.push(mel)
  for (const { page } of [ann, bob]) await expectMembers(page, ['Ann', 'Bob', 'Mel'])
  const annId = (await peerIdOf(ann.page)) as PeerId
  const bobId = (await peerIdOf(bob.page)) as PeerId

  for (const { page } of [ann, bob]) await openChat(page)
  await send(ann.page, 'The meeting is at 10.')
  await send(ann.page, 'Lunch is on me.')
  await send(ann.page, 'The budget is approved.')
  await send(ann.page, 'The minutes are shared.')
  await expect(message(bob.page, 'The minutes are shared.')).toBeVisible()
  const meeting = await mel.message('The meeting is at 10.')
  const lunch = await mel.message('Lunch is on me.')
  const budget = await mel.message('The budget is approved.')
  const minutes = await mel.message('The minutes are shared.')
  // Bob looks elsewhere: the next message reaches his device, but he has not read it.
  await showPeople(bob.page)
  await send(ann.page, 'Please read the agenda.')
  const agendaReceipt = message(ann.page, 'Please read the agenda.').getByTestId('chat-receipt')
  await expect(agendaReceipt.getByTestId('chat-receipt-label')).toHaveText('delivered to all')
  const agenda = await mel.message('Please read the agenda.')

  // Mel's forgeries, each as a tampered client would write it.
  await mel.postAs(annId, 'I quit.', meeting, 'none')
  await mel.postAs(annId, 'Fire Bob.', meeting, 'own-key')
  await mel.replay(meeting, 'Pay Mel double.')
  await mel.editAs(meeting, 'The meeting is cancelled.', 'own-key')
  await mel.deleteAs(budget, 'own-key')
  await mel.rewriteText(lunch, 'Lunch is on Bob.')
  await mel.removeMessage(minutes)
  await mel.reactAs(bobId, meeting, '👎', 'own-key')
  await mel.reactAs(bobId, meeting, '💩', 'none')
  await mel.receiptAs(bobId, 'read', agenda, 'own-key')
  await mel.setAbout('name', 'Mel Corp', annId)
  await mel.setAbout('description', 'Run by Mel', annId)
  await mel.renameMember(bobId, 'Bob (fired)', 'own-key')
  // Then genuine writes of Mel's own in the same documents: once they show, the forgeries
  // (earlier changes of the same device) are there too.
  await mel.chat.send('Mel is here.')
  await mel.wp.setProfileName('Mel.')

  await expect(message(ann.page, 'Mel is here.')).toHaveAttribute('data-verified', 'true')
  // The unsigned post is shown only as unverified; the wrongly signed records not at all.
  const quit = message(ann.page, 'I quit.')
  await expect(quit).toHaveAttribute('data-verified', 'false')
  await expect(quit.getByTestId('chat-message-unverified')).toHaveText('unverified')
  await expectNoForgedChat(ann.page)
  const shownMeeting = message(ann.page, 'The meeting is at 10.')
  await expect(shownMeeting).toHaveAttribute('data-verified', 'true')
  await expect(shownMeeting.getByTestId('chat-message-edited')).toHaveCount(0)
  await expect(shownMeeting.getByTestId('chat-reaction')).toHaveCount(0)
  await expect(message(ann.page, 'The budget is approved.')).toHaveAttribute(
    'data-verified',
    'true',
  )
  // Overwritten in the document, the message still reads as its author signed it (from history);
  // removed from it, it still shows.
  await expect(message(ann.page, 'Lunch is on me.')).toHaveAttribute('data-verified', 'true')
  await expect(message(ann.page, 'The minutes are shared.')).toHaveAttribute(
    'data-verified',
    'true',
  )
  await expect(agendaReceipt.getByTestId('chat-receipt-label')).toHaveText('delivered to all')
  await showReceiptDetails(agendaReceipt)
  await expect(agendaReceipt.getByTestId('chat-receipt-unread')).toBeVisible()
  await expect(agendaReceipt.getByTestId('chat-receipt-read')).toHaveCount(0)
  for (const { page } of [ann, bob]) {
    await showPeople(page)
    await expect.poll(() => memberNames(page)).toContain('Mel.')
    await expect(page.getByTestId('workplace-name')).toHaveText('Acme')
    await expect(page.getByTestId('workplace-description')).toHaveCount(0)
    await expectNoForgedAbout(page)
  }
  // Bob reads the chat now (his device writes his read receipt).
  await openChat(ann.page)
  await openChat(bob.page)
  await expect(message(bob.page, 'Mel is here.')).toBeVisible()
  await expect(message(bob.page, 'I quit.').getByTestId('chat-message-unverified')).toBeVisible()
  await expect(message(bob.page, 'The meeting is at 10.')).toHaveAttribute('data-verified', 'true')
  await expect(message(bob.page, 'The budget is approved.')).toHaveAttribute(
    'data-verified',
    'true',
  )
  await expect(message(bob.page, 'The minutes are shared.')).toHaveAttribute(
    'data-verified',
    'true',
  )
  await expectNoForgedChat(bob.page)

  // The honest path: each real author's edit, reaction, receipt, deletion and rename shows.
  await expect(agendaReceipt.getByTestId('chat-receipt-label')).toHaveText(
    'delivered to all, read by 1',
  )
  await nameDevice(bob.page, 'Bob B.')
  await showReceiptDetails(agendaReceipt)
  await expect(agendaReceipt.getByTestId('chat-receipt-read')).toHaveText('Bob B.')
  await editMessage(ann.page, 'The meeting is at 10.', 'The meeting is at 11.')
  const edited = message(bob.page, 'The meeting is at 11.')
  await expect(edited.getByTestId('chat-message-edited')).toBeVisible()
  await expect(edited).toHaveAttribute('data-verified', 'true')
  await react(bob.page, 'The meeting is at 11.', '👍')
  const thumbs = message(ann.page, 'The meeting is at 11.').locator(
    '[data-testid="chat-reaction"][data-emoji="👍"]',
  )
  await expect(thumbs.getByTestId('chat-reaction-count')).toHaveText('1')
  await expect(thumbs).toHaveAttribute('title', 'Bob B.')
  // Mel takes Bob's reaction away: removed from the document, then by a take-back in his name.
  // Only Bob's own signed take-back removes it: both pages still show it.
  await mel.takeBackAs(bobId, meeting, '👍', 'remove')
  await mel.chat.send('Mel saw the new time.')
  await expect(message(ann.page, 'Mel saw the new time.')).toBeVisible()
  await mel.takeBackAs(bobId, meeting, '👍', 'own-key')
  await mel.chat.send('Mel agrees.')
  for (const { page } of [ann, bob]) {
    await expect(message(page, 'Mel agrees.')).toBeVisible()
    const shown = message(page, 'The meeting is at 11.').locator(
      '[data-testid="chat-reaction"][data-emoji="👍"]',
    )
    await expect(shown.getByTestId('chat-reaction-count')).toHaveText('1')
  }
  await deleteMessage(ann.page, 'The meeting is at 11.')
  const deleted = bob.page.locator(`[data-testid="chat-message"][data-id="${meeting.id}"]`)
  await expect(deleted.getByTestId('chat-message-text')).toHaveText('Message deleted')
  await expect(deleted).toHaveAttribute('data-verified', 'true')
  await showPeople(ann.page)
  await ann.page.getByTestId('edit-workplace').click()
  await ann.page.getByTestId('edit-name').fill('Acme Inc')
  await ann.page.getByRole('button', { name: 'Save', exact: true }).click()
  await expect(bob.page.getByTestId('workplace-name')).toHaveText('Acme Inc')

  // Nothing Mel forged has come to count along the way.
  for (const { page } of [ann, bob]) {
    await expectMembers(page, ['Ann', 'Bob B.', 'Mel.'])
    await expectNoForgedAbout(page)
    await openChat(page)
    await expectNoForgedChat(page)
  }
})

test('contact changes and file records a member writes in another’s name read as unverified', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000)
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  await createWorkplace(ann.page, 'Acme')
  const invite = await createInvite(ann.page, '10 people')
  const mel = await Forger.join(baseURL!, invite, 'Mel')
  forgers.push(mel)
  await expectMembers(ann.page, ['Ann', 'Mel'])
  const annId = (await peerIdOf(ann.page)) as PeerId
  const page = ann.page

  // Ann's own contact and file: the honest path.
  await page.getByTestId('tab-contacts').click()
  await page.getByTestId('contacts-new').click()
  await page.getByTestId('contact-input-given').fill('Zoe')
  await page.getByTestId('contact-input-family').fill('Doe')
  await page.getByTestId('contact-save').click()
  await expect(page.getByTestId('contact-detail')).toBeVisible()
  await page.getByTestId('tab-files').click()
  await chooseFile(page.getByTestId('files-input'), 'agenda.txt', Buffer.from('Agenda: budget.'))

  // Mel changes Zoe in Ann's name (unsigned, then signed with Mel's own key) and lists two
  // files as added by Ann.
  await mel.editContactAs(annId, 'Zoe', 'org', 'Unsigned Ltd', 'none')
  await mel.editContactAs(annId, 'Zoe', 'title', 'Signed by Mel', 'own-key')
  await mel.addFileAs(annId, 'minutes.pdf', 'none')
  await mel.addFileAs(annId, 'budget.pdf', 'own-key')

  const version = (name: string) =>
    page.locator(`[data-testid="file-item"][data-name="${name}"] [data-testid="file-version"]`)
  await expect(version('agenda.txt').getByTestId('file-added-by')).toHaveText('Ann')
  await expect(version('agenda.txt').getByTestId('file-added-by-unverified')).toHaveCount(0)
  for (const name of ['minutes.pdf', 'budget.pdf']) {
    await expect(version(name).getByTestId('file-added-by')).toHaveText('Ann')
    await expect(version(name).getByTestId('file-added-by-unverified')).toHaveText('unverified')
  }

  await page.getByTestId('tab-contacts').click()
  await page
    .getByTestId('contact-row')
    .filter({ hasText: 'Zoe Doe' })
    .getByTestId('contact-row-open')
    .click()
  const detail = page.getByTestId('contact-detail')
  await expect(detail.locator('[data-testid="contact-field"][data-field="title"]')).toHaveText(
    'Signed by Mel',
  )
  const added = detail.locator('[data-testid="history-entry"][data-op="add"]')
  await expect(added).toHaveCount(1)
  await expect(added.getByTestId('history-entry-unverified')).toHaveCount(0)
  const edits = detail.locator('[data-testid="history-entry"][data-op="edit"]')
  await expect(edits).toHaveCount(2)
  for (const edit of await edits.all()) {
    await expect(edit.getByTestId('history-entry-unverified')).toHaveText('unverified')
  }
})

/** Opens a receipt's details (who has read it), unless they are showing. */
async function showReceiptDetails(receipt: Locator): Promise<void> {
  await expect(receipt).toBeVisible()
  if (!(await receipt.evaluate((el) => (el as HTMLDetailsElement).open))) {
    await receipt.getByTestId('chat-receipt-label').click()
  }
  await expect(receipt).toHaveAttribute('open', '')
}
