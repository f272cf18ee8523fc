import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { test, type Locator } from '@playwright/test'

/**
 * Puts `bytes` in a file input as a file named `name`. The bytes go through a file on disk, so
 * Chromium reads them itself: a buffer of many megabytes sent over the protocol can take longer
 * than an action's timeout on a loaded machine.
 */
export async function chooseFile(input: Locator, name: string, bytes: Buffer): Promise<void> {
  const path = test.info().outputPath(`${Date.now()}-${Math.random().toString(36).slice(2)}`, name)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, bytes)
  await input.setInputFiles(path, { timeout: 60_000 })
}
