import { expect, test } from '@playwright/test'
import { startFilesPage, type FilesBench, type FilesDevice } from './files-devices.ts'

/**
 * Registers a spec's hooks: the test page and relay started once for the file, and after each
 * test, every device pushed to `devices` checked for page errors and closed.
 */
export function useFilesBench(): { readonly bench: FilesBench; devices: FilesDevice[] } {
  let bench: FilesBench | undefined
  const devices: FilesDevice[] = []
  test.beforeAll(async () => {
    bench = await startFilesPage()
  })
  test.afterAll(async () => {
    await bench?.close()
  })
  test.afterEach(async () => {
    for (const d of devices.splice(0)) {
      expect(d.errors).toEqual([])
      await d.context.close()
    }
  })
  return {
    get bench() {
      if (!bench) throw new Error('the files test page is not started (use inside a test)')
      return bench
    },
    devices,
  }
}
