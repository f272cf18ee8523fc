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

/** A store whose chunk writes fail while `space.full` (the device ran out of space). */
function fillingStore(space: { full: boolean }): ChunkStore {
  const inner = createMemoryChunkStore()
  return {
    ...inner,
    putChunk: (hash, data) =>
      space.full ? Promise.reject(new Error('quota exceeded')) : inner.putChunk(hash, data),
  }
}

describe('a download that stopped because a chunk could not be stored', () => {
  it('is started afresh when the file is asked for again', async () => {
    const space = { full: false }
    const holder = await testDevice({ chunkSize: CHUNK })
    const reader = await testDevice({ store: fillingStore(space) })
    devices.push(holder, reader)
    holder.files.serveScope(SCOPE, openAccess)
    await connect(holder, reader)
    const { fileId } = await holder.files.add(new Blob([randomBytes(4 * CHUNK) as BlobPart]))

    space.full = true
    const first = reader.files.download(fileId, SCOPE, new ListFinder([holder.peer]))
    await expect(first.done).rejects.toThrow(/cancelled/)

    // Space was freed: asking again downloads the file.
    space.full = false
    const again = reader.files.download(fileId, SCOPE, new ListFinder([holder.peer]))
    expect(again.state).not.toBe('cancelled')
    await until(() => again.state === 'complete', 'the new download to complete', 3000)
    expect(await reader.files.isComplete(fileId)).toBe(true)
  })
})
