import { randomBytes } from 'node:crypto'
import type { Browser, Page } from '@playwright/test'
import { linkAll, openFilesDevice, type FilesDevice } from './support/files-devices.ts'
import { chooseFile } from './support/choose-file.ts'
import { fileVersion, saveFileVersion, sha256Hex } from './support/file-versions.ts'
import { useFilesBench } from './support/files-hooks.ts'
import { expect, test } from './support/test-server.ts'

// Workplace files through the files panel: members of one workplace (test page, real WebRTC,
// real IndexedDB), adding with the file picker and saving with the Save button.
const files = useFilesBench()

const MB = 1024 * 1024

/** Members Ann (owner), Bob and Cy of a workplace keeping `replicas` copies, panels shown. */
async function workplace(browser: Browser, replicas: number): Promise<FilesDevice[]> {
  const opened: FilesDevice[] = []
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ acceptDownloads: true })
    // Saving then goes through a Blob download, which a test can catch.
    await context.addInitScript(() => {
      delete (window as { showSaveFilePicker?: unknown }).showSaveFilePicker
    })
    opened.push(await openFilesDevice(browser, files.bench, context))
  }
  files.devices.push(...opened)
  await linkAll(opened)
  const [ann, bob, cy] = opened as [FilesDevice, FilesDevice, FilesDevice]
  const link = await ann.page.evaluate(([r]) => window.filesDriver.createWorkplace('Ann', r, 2), [
    replicas,
  ] as const)
  for (const [d, name] of [
    [bob, 'Bob'],
    [cy, 'Cy'],
  ] as const) {
    await d.page.evaluate(([n, l]) => window.filesDriver.joinWorkplace(n, l), [name, link] as const)
  }
  for (const d of opened) await expect(d.page.getByTestId('files-panel')).toBeVisible()
  return opened
}

async function add(page: Page, name: string, bytes: Buffer): Promise<void> {
  await chooseFile(page.getByTestId('files-input'), name, bytes)
}

/** Saves version `n` of `name` under its own name; resolves with the saved bytes' SHA-256. */
async function save(page: Page, name: string, n: number): Promise<string> {
  const saved = await saveFileVersion(page, name, n)
  expect(saved.filename).toBe(name)
  return saved.sha256
}

test('A adds a 20 MB file with the picker; B and C save exactly the original', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const [ann, bob, cy] = await workplace(browser, 1)
  const bytes = randomBytes(20 * MB)
  await add(ann!.page, 'video.bin', bytes)
  await expect(fileVersion(ann!.page, 'video.bin', 1)).toHaveAttribute('data-local', 'complete', {
    timeout: 60_000,
  })
  for (const d of [bob!, cy!]) {
    await expect(fileVersion(d.page, 'video.bin', 1).getByTestId('file-holder')).toHaveText(/Ann/)
    await expect(fileVersion(d.page, 'video.bin', 1).getByTestId('file-added-by')).toHaveText('Ann')
  }
  const saved = await Promise.all([save(bob!.page, 'video.bin', 1), save(cy!.page, 'video.bin', 1)])
  expect(saved).toEqual([sha256Hex(bytes), sha256Hex(bytes)])
  await expect(fileVersion(ann!.page, 'video.bin', 1)).toHaveAttribute('data-replicas', '3')
})

test('with R = 2 the Syncer has a second member hold a new file; A goes; the third gets it from that member', async ({
  browser,
}) => {
  test.setTimeout(180_000)
  const members = await workplace(browser, 2)
  const [ann] = members
  const bytes = randomBytes(12 * MB)
  await add(ann!.page, 'plans.zip', bytes)
  // Nobody clicks anything: the plan alone makes one other member fetch it.
  let replica: FilesDevice | undefined
  await expect
    .poll(
      async () => {
        for (const d of members.slice(1)) {
          const local = await fileVersion(d.page, 'plans.zip', 1).getAttribute('data-local')
          if (local === 'complete') replica = d
        }
        return replica !== undefined
      },
      { timeout: 60_000 },
    )
    .toBe(true)
  const third = members.slice(1).find((d) => d !== replica)!
  await expect(fileVersion(third.page, 'plans.zip', 1)).toHaveAttribute('data-local', 'none')
  await expect(fileVersion(third.page, 'plans.zip', 1)).toHaveAttribute('data-replicas', '2')
  await ann!.page.evaluate(() => window.filesDriver.leave())
  await ann!.page.close()
  expect(await save(third.page, 'plans.zip', 1)).toBe(sha256Hex(bytes))
  const sources = await third.page.evaluate(
    (id) => window.filesDriver.progress(id)?.sources ?? [],
    (await fileVersion(third.page, 'plans.zip', 1).getAttribute('data-file-id'))!,
  )
  expect(sources.find((s) => s.peer === replica!.peer)?.bytes).toBe(bytes.length)
})

test('a second version is listed beside the first; both save correctly', async ({ browser }) => {
  test.setTimeout(180_000)
  const [ann, bob] = await workplace(browser, 1)
  const first = randomBytes(3 * MB)
  const second = randomBytes(2 * MB + 123)
  await add(ann!.page, 'report.pdf', first)
  await expect(fileVersion(ann!.page, 'report.pdf', 1)).toHaveAttribute('data-local', 'complete')
  await add(ann!.page, 'report.pdf', second)
  await expect(fileVersion(bob!.page, 'report.pdf', 2)).toBeVisible({ timeout: 30_000 })
  await expect(fileVersion(bob!.page, 'report.pdf', 1)).toBeVisible()
  expect(await save(bob!.page, 'report.pdf', 1)).toBe(sha256Hex(first))
  expect(await save(bob!.page, 'report.pdf', 2)).toBe(sha256Hex(second))
})
