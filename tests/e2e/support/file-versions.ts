import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Page } from '@playwright/test'

/** SHA-256 of some bytes, in hex: what a saved file is compared by. */
export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex')

/** Version `n` of the file `name` in the files panel. */
export const fileVersion = (page: Page, name: string, n: number) =>
  page.locator(
    `[data-testid="file-item"][data-name="${name}"] [data-testid="file-version"][data-version="${n}"]`,
  )

/**
 * Saves version `n` of `name` with its Save button, as a Blob download (the page must have no
 * `showSaveFilePicker`); resolves with the name the browser was given and the bytes' SHA-256.
 */
export async function saveFileVersion(
  page: Page,
  name: string,
  n: number,
  timeout = 60_000,
): Promise<{ filename: string; sha256: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    fileVersion(page, name, n).getByTestId('file-save').click(),
  ])
  const path = await download.path()
  if (!path) throw new Error(`the download of ${name} v${n} has no file`)
  return { filename: download.suggestedFilename(), sha256: sha256Hex(await readFile(path)) }
}
