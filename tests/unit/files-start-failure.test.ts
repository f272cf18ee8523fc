import { describe, expect, it } from 'vitest'
import type { ChunkStore } from '../../src/files/chunk-store.ts'
import { createMemoryChunkStore } from '../../src/files/memory-chunk-store.ts'
import { until } from '../support/until.ts'
import {
  connect,
  ListFinder,
  openAccess,
  randomBytes,
  testDevice,
  trackedDevices,
} from './files-harness.ts'

const SCOPE = 'wp-test'
const CHUNK = 16 * 1024
const devices = trackedDevices()

/** A store whose first manifest read waits, and fails as the second read begins. */
function storeFailingFirstRead(): ChunkStore {
  const inner = createMemoryChunkStore()
  let fail: (() => void) | undefined
  return {
    ...inner,
    getManifest: (fileId) => {
      if (!fail) return new Promise((_, reject) => (fail = () => reject(new Error('read failed'))))
      fail()
      return inner.getManifest(fileId)
    },
  }
}

describe('a download whose start fails after it was cancelled', () => {
  it('leaves the download of the same file started since alone', async () => {
    const logged: string[] = []
    const holder = await testDevice({ chunkSize: CHUNK })
    const reader = await testDevice({ store: storeFailingFirstRead(), log: (m) => logged.push(m) })
    devices.push(holder, reader)
    holder.files.serveScope(SCOPE, openAccess)
    await connect(holder, reader)
    const { fileId } = await holder.files.add(new Blob([randomBytes(4 * CHUNK) as BlobPart]))

    // The first download is still reading what is stored when it is cancelled and asked again;
    // its read fails while the second download's read is under way.
    const first = reader.files.download(fileId, SCOPE, new ListFinder([holder.peer]))
    await reader.files.cancel(fileId)
    const again = reader.files.download(fileId, SCOPE, new ListFinder([holder.peer]))
    expect(again).not.toBe(first)
    await until(
      () => logged.some((m) => /failed to start/.test(m)),
      'the first start to fail',
      2000,
    )
    expect(again.state).not.toBe('cancelled')

    await until(() => again.state === 'complete', 'the new download to complete', 3000)
    expect(reader.files.downloadOf(fileId)).toBe(again)
  })
})
