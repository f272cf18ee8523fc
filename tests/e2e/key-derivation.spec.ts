import { expect, test } from './support/test-server.ts'

// The passphrase's key (storage lock, backups) is derived in a worker: the page goes on
// answering meanwhile, and the key is the one earlier versions derived on the page.
test('deriving a passphrase key leaves the page responsive and gives the same key as before', async ({
  page,
  testServer,
}) => {
  test.setTimeout(120_000)
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(testServer.pageUrl('kdf-page.html'))
  await page.waitForFunction(() => 'kdfDriver' in window, undefined, { timeout: 30_000 })
  // The app's cost (N = 2^17, 128 MiB), a second or more on a busy machine.
  const run = await page.evaluate(() => window.kdfDriver.derive('violet harbour compass', 17))
  test.info().annotations.push({
    type: 'derivation',
    description: `${Math.round(run.ms)} ms, page timer late by at most ${Math.round(run.maxGapMs)} ms`,
  })
  // On the page's thread the timer would wait out the whole derivation.
  expect(run.maxGapMs).toBeLessThan(Math.max(100, run.ms / 3))
  expect(run.key).toBe(
    await page.evaluate(() => window.kdfDriver.reference('violet harbour compass', 17)),
  )
  expect(errors).toEqual([])
})
