import { expect, test } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { openDevice, trackDevices } from './support/device.ts'
import { phoneVcards } from './support/contacts.ts'
import { createWorkplace } from './support/workplace.ts'

const devices = trackDevices()

/**
 * The throttle below slows the page only, and the import writes in the documents worker at full
 * speed: the file is big enough for the steps to happen while it still writes.
 */
const COUNT = 15_000
/**
 * The longest a key may wait for the page while the import runs. Batches take tens of
 * milliseconds (a few hundred on this busy two-core machine); one change for the whole file
 * held the page for 9-22 s.
 */
const MAX_INPUT_DELAY_MS = 2000

test('the page takes typing and scrolls while 15,000 contacts import', async ({ browser }) => {
  test.setTimeout(240_000)
  const file = test.info().outputPath('contacts-15000.vcf')
  writeFileSync(file, phoneVcards(COUNT))
  const ann = await openDevice(browser, 'Ann')
  devices.push(ann)
  const { page } = ann
  await createWorkplace(page, 'Acme')
  await page.getByTestId('tab-contacts').click()
  await expect(page.getByTestId('contacts-panel')).toBeVisible()
  // How long each key waited for the page before its handler ran.
  await page.evaluate(() => {
    const w = window as unknown as { __keyDelays: number[] }
    w.__keyDelays = []
    document.addEventListener('keydown', (e) => w.__keyDelays.push(performance.now() - e.timeStamp))
  })

  // A phone's CPU for the page (4 times slower, as Lighthouse models one).
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })

  await page.getByTestId('contacts-import-input').setInputFiles(file)
  const progress = page.getByTestId('contacts-import-progress')
  await expect(progress, 'the import to start writing').toContainText('Importing', {
    timeout: 60_000,
  })
  // Enough contacts have arrived to scroll the list (only those in view are in the page).
  await expect
    .poll(async () => Number(await page.getByTestId('contacts-list').getAttribute('data-total')), {
      message: 'contacts to be listed',
    })
    .toBeGreaterThanOrEqual(40)

  const pane = page.getByTestId('contacts-list-scroller')
  await pane.hover()
  await page.mouse.wheel(0, 600)
  await expect
    .poll(() => pane.evaluate((el) => el.scrollTop), { message: 'the list to scroll' })
    .toBeGreaterThan(0)
  const search = page.getByTestId('contacts-search')
  await search.click()
  await search.pressSequentially('Person12', { delay: 20 })
  await expect(search).toHaveValue('Person12')

  // All of it happened while the import was still writing.
  await expect(progress).toContainText('Importing')
  const done = await progress.textContent()
  expect(Number(/Importing (\d+) of/.exec(done ?? '')?.[1])).toBeLessThan(COUNT)
  const delays = await page.evaluate(
    () => (window as unknown as { __keyDelays: number[] }).__keyDelays,
  )
  expect(delays).toHaveLength('Person12'.length)
  expect(Math.max(...delays)).toBeLessThan(MAX_INPUT_DELAY_MS)

  // The search applies to what the import wrote, and the import finishes.
  await expect(page.getByTestId('contacts-import-result')).toContainText(`${COUNT} new`, {
    timeout: 180_000,
  })
  await expect(page.getByTestId('contacts-count')).toHaveText(String(COUNT))
  const names = await page.getByTestId('contact-row-name').allTextContents()
  expect(names.length).toBeGreaterThan(0)
  for (const name of names) expect(name).toContain('Person12')
})
