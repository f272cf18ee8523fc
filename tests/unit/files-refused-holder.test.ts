import { describe, expect, it } from 'vitest'
import type { RefusalCode } from '../../src/files/transfer-protocol.ts'
import { until } from '../support/until.ts'
import {
  connect,
  ListFinder,
  randomBytes,
  testDevice,
  trackedDevices,
  type TestDevice,
} from './files-harness.ts'

const SCOPE = 'wp-test'
const CHUNK = 16 * 1024
const RETRY_MS = 20
const devices = trackedDevices()

async function device(): Promise<TestDevice> {
  const d = await testDevice({ chunkSize: CHUNK, download: { retryMs: RETRY_MS } })
  devices.push(d)
  return d
}

describe('a download from a holder that refused it', () => {
  // The holder had not heard yet that the downloader is a member (or of the file's entry): its
  // refusal is of the moment, and the holder is asked again a while later.
  it('asks the holder again later, and completes once it allows the fetch', async () => {
    const [holder, reader] = [await device(), await device()]
    let refusal: RefusalCode | null = 'not-member'
    holder.files.serveScope(SCOPE, { mayFetch: () => refusal })
    await connect(holder, reader)
    const { fileId } = await holder.files.add(new Blob([randomBytes(3 * CHUNK) as BlobPart]))
    const download = reader.files.download(fileId, SCOPE, new ListFinder([holder.peer]))
    await until(() => download.progress().sources[0]?.state === 'refused', 'the refusal', 2000)

    refusal = null
    // Refused holders wait ten retry periods (200 ms here) before being asked again.
    await until(() => download.state === 'complete', 'the download to complete', 3000)
    expect(await reader.files.isComplete(fileId)).toBe(true)
  })
})
