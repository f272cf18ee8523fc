import { filesBench, type FilesBench, type FilesDevice } from './files-devices.ts'
import { expect, test } from './test-server.ts'

/**
 * Registers a spec's hooks: the test page on the worker's test server, and after each test,
 * every device pushed to `devices` checked for page errors and closed.
 */
export function useFilesBench(): { readonly bench: FilesBench; devices: FilesDevice[] } {
  let bench: FilesBench | undefined
  const devices: FilesDevice[] = []
  test.beforeAll(({ testServer }) => {
    // The worker's fixture closes the server, not the spec.
    bench = { ...filesBench(testServer), close: async () => {} }
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
