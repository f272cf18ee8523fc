import { randomBytes } from 'node:crypto'
import type { Page } from '@playwright/test'
import type { SyncReport } from '../../src/crdt/sync/sync-report.ts'
import { chooseFile } from './support/choose-file.ts'
import { fileVersion, saveFileVersion, sha256Hex } from './support/file-versions.ts'
import { expect, test } from './support/members.ts'

// Workplace files in the app itself: the Files tab of a workplace three members share.
const MB = 1024 * 1024
/** Saves version `n` of `name`; resolves with the saved bytes' SHA-256. */
const save = async (page: Page, name: string, n: number) =>
  (await saveFileVersion(page, name, n)).sha256

test('a 20 MB file added in the app is saved byte for byte by two members; versions too', async ({
  workplaceWith,
}) => {
  test.setTimeout(180_000)
  const [ann, bob, cy] = await workplaceWith(['Bob', 'Cy'])
  for (const d of [ann, bob, cy]) {
    // Saving goes through a Blob download, which the test can read.
    await d.page.evaluate(
      () => delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker,
    )
    await d.page.getByTestId('tab-files').click()
    await expect(d.page.getByTestId('files-panel')).toBeVisible()
  }

  const bytes = randomBytes(20 * MB)
  await chooseFile(ann.page.getByTestId('files-input'), 'video.bin', bytes)
  await expect(fileVersion(ann.page, 'video.bin', 1)).toHaveAttribute('data-local', 'complete', {
    timeout: 60_000,
  })
  await expect(fileVersion(bob.page, 'video.bin', 1).getByTestId('file-added-by')).toHaveText('Ann')
  // The file index document is the documents worker's: Ann's page repo never opened it.
  const where = await ann.page.evaluate(() => {
    const report = (
      window as unknown as { peerplaceSyncReport(): SyncReport }
    ).peerplaceSyncReport()
    const files = report.workplaces[0]?.docs.files
    return { files, states: report.documents.filter((d) => d.id === files).map((d) => d.state) }
  })
  expect(where.files).toBeTruthy()
  expect(where.states).toEqual(['in worker'])
  const saved = await Promise.all([save(bob.page, 'video.bin', 1), save(cy.page, 'video.bin', 1)])
  expect(saved).toEqual([sha256Hex(bytes), sha256Hex(bytes)])

  const second = randomBytes(MB + 7)
  await chooseFile(bob.page.getByTestId('files-input'), 'video.bin', second)
  await expect(fileVersion(cy.page, 'video.bin', 2)).toBeVisible({ timeout: 30_000 })
  expect(await save(cy.page, 'video.bin', 2)).toBe(sha256Hex(second))
  expect(await save(cy.page, 'video.bin', 1)).toBe(sha256Hex(bytes))
})
