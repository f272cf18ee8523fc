import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Browser } from '@playwright/test'
import { linkAll, openFilesDevice, type FilesDevice } from './support/files-devices.ts'
import { useFilesBench } from './support/files-hooks.ts'
import { expect, test } from './support/test-server.ts'

// The file engine in Chromium: real WebRTC links between browser contexts, real IndexedDB,
// pages closed and reopened. The test page (tests/harness/files-page.ts) is served by Vite from source.
const files = useFilesBench()

const MB = 1024 * 1024

async function open(browser: Browser, count: number): Promise<FilesDevice[]> {
  const opened = await Promise.all(
    Array.from({ length: count }, () => openFilesDevice(browser, files.bench)),
  )
  files.devices.push(...opened)
  await linkAll(opened)
  return opened
}

const progress = (d: FilesDevice, fileId: string) =>
  d.page.evaluate((id) => window.filesDriver.progress(id), fileId)

/** Starts (or re-targets) `d`'s download of the file from `holders`. */
const downloadFrom = (d: FilesDevice, fileId: string, holders: readonly string[]) =>
  d.page.evaluate(([id, peers]) => window.filesDriver.download(id, peers), [
    fileId,
    holders,
  ] as const)

async function savedSha256(d: FilesDevice, fileId: string): Promise<string> {
  const [download] = await Promise.all([
    d.page.waitForEvent('download'),
    d.page.evaluate((id) => window.filesDriver.save(id, 'saved.bin'), fileId),
  ])
  const path = await download.path()
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

test('A adds 20 MB; B and C download it and save exactly the original', async ({ browser }) => {
  test.setTimeout(120_000)
  const [a, b, c] = await open(browser, 3)
  const file = await a!.page.evaluate((size) => window.filesDriver.generate(size, 1), 20 * MB)
  for (const d of [b!, c!]) {
    await downloadFrom(d, file.fileId, [a!.peer, b!.peer, c!.peer])
  }
  for (const d of [b!, c!]) {
    await expect
      .poll(() => progress(d, file.fileId).then((p) => p?.state), { timeout: 60_000 })
      .toBe('complete')
    expect(await savedSha256(d, file.fileId)).toBe(file.sha256)
  }
})

test('the sender’s page closes midway: the download resumes from another holder, not from zero', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const [a, b, c] = await open(browser, 3)
  const file = await a!.page.evaluate((size) => window.filesDriver.generate(size, 2), 48 * MB)
  const copy = await b!.page.evaluate((size) => window.filesDriver.generate(size, 2), 48 * MB)
  expect(copy.fileId).toBe(file.fileId)
  await downloadFrom(c!, file.fileId, [a!.peer])
  await expect
    .poll(() => progress(c!, file.fileId).then((p) => p?.bytesDone ?? 0), { timeout: 60_000 })
    .toBeGreaterThan(4 * MB)
  await a!.page.close()
  await expect
    .poll(() => progress(c!, file.fileId).then((p) => p?.state), { timeout: 20_000 })
    .toBe('waiting')
  const kept = (await progress(c!, file.fileId))!.bytesDone
  expect(kept).toBeGreaterThan(4 * MB)
  expect(kept).toBeLessThan(48 * MB)
  await downloadFrom(c!, file.fileId, [a!.peer, b!.peer])
  await expect
    .poll(() => progress(c!, file.fileId).then((p) => p?.state), { timeout: 60_000 })
    .toBe('complete')
  const fromB = (await progress(c!, file.fileId))!.sources.find((s) => s.peer === b!.peer)!
  expect(fromB.bytes).toBeLessThanOrEqual(48 * MB - kept)
  expect(await c!.page.evaluate((id) => window.filesDriver.storedSha256(id), file.fileId)).toBe(
    file.sha256,
  )
})

test('the receiver’s page closes midway: reopened, it resumes from the chunks it verified', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const [a, c] = await open(browser, 2)
  const file = await a!.page.evaluate((size) => window.filesDriver.generate(size, 3), 48 * MB)
  await downloadFrom(c!, file.fileId, [a!.peer])
  await expect
    .poll(() => progress(c!, file.fileId).then((p) => p?.bytesDone ?? 0), { timeout: 60_000 })
    .toBeGreaterThan(8 * MB)
  await c!.page.close()
  const saved = await (async () => {
    await c!.reopen()
    return (await c!.page.evaluate((id) => window.filesDriver.record(id), file.fileId))!
  })()
  expect(saved.chunks).toBeGreaterThan(0)
  await linkAll([a!, c!])
  await downloadFrom(c!, file.fileId, [a!.peer])
  await expect
    .poll(() => progress(c!, file.fileId).then((p) => p?.state), { timeout: 60_000 })
    .toBe('complete')
  const fromA = (await progress(c!, file.fileId))!.sources[0]!.bytes
  expect(fromA).toBeLessThan(48 * MB - 4 * MB)
  expect(await c!.page.evaluate((id) => window.filesDriver.storedSha256(id), file.fileId)).toBe(
    file.sha256,
  )
})

test('a holder serving corrupted chunks is flagged; the download completes from another', async ({
  browser,
}) => {
  test.setTimeout(120_000)
  const [a, bad, c] = await open(browser, 3)
  const file = await a!.page.evaluate((size) => window.filesDriver.generate(size, 4), 8 * MB)
  await bad!.page.evaluate((size) => window.filesDriver.generate(size, 4), 8 * MB)
  expect(await bad!.page.evaluate(() => window.filesDriver.corruptAll())).toBeGreaterThan(0)
  // The bad holder alone first: with both at once, the good one may be asked for every chunk
  // before the bad one answers.
  await downloadFrom(c!, file.fileId, [bad!.peer])
  const stateOf = async (peer: string) =>
    (await progress(c!, file.fileId))?.sources.find((s) => s.peer === peer)?.state
  await expect.poll(() => stateOf(bad!.peer), { timeout: 30_000 }).toBe('bad')
  await downloadFrom(c!, file.fileId, [bad!.peer, a!.peer])
  await expect
    .poll(() => progress(c!, file.fileId).then((p) => p?.state), { timeout: 60_000 })
    .toBe('complete')
  const sources = (await progress(c!, file.fileId))!.sources
  expect(sources.find((s) => s.peer === bad!.peer)?.state).toBe('bad')
  expect(sources.find((s) => s.peer === a!.peer)?.bytes).toBe(8 * MB)
  expect(await savedSha256(c!, file.fileId)).toBe(file.sha256)
})
