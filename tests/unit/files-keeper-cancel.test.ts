import { describe, expect, it } from 'vitest'
import type { FilesIndex, FilesIndexState } from '../../src/files/files-index.ts'
import type { FilesWorkplace } from '../../src/files/files-workplace.ts'
import type { HashHex } from '../../src/files/hashing.ts'
import { ReplicaKeeper } from '../../src/files/replica-keeper.ts'
import { StorageBudget } from '../../src/files/storage-budget.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { until } from '../support/until.ts'
import { ListFinder, randomBytes, testDevice, trackedDevices } from './files-harness.ts'

const SCOPE = 'wp-test'
const CHUNK = 16 * 1024
const devices = trackedDevices()

/** A files index listing one file, whose writes of this device's holdings the test lets go. */
function heldIndex(fileId: HashHex, size: number) {
  const writes: (() => void)[] = []
  const state: FilesIndexState = {
    entries: [
      {
        id: 'e1',
        name: 'report.pdf',
        type: 'application/pdf',
        size,
        fileId,
        addedBy: 'someone' as PeerId,
        addedAt: 0,
        verified: true,
      },
    ],
    holdings: new Map(),
    assigned: new Map(),
  }
  const index: FilesIndex = {
    state: () => state,
    onChange: () => () => {},
    addVersion: async () => {},
    writeOwn: () => new Promise<void>((resolve) => writes.push(resolve)),
    planReplicas: async () => true,
    close: () => {},
  }
  return { index, writes }
}

describe('the replica keeper', () => {
  it('does not restart a download cancelled while its pass was under way', async () => {
    const [holder, reader] = [await testDevice({ chunkSize: CHUNK }), await testDevice()]
    devices.push(holder, reader)
    const size = 3 * CHUNK
    const { fileId } = await holder.files.add(new Blob([randomBytes(size) as BlobPart]))
    // The reader knows the file and fetched none of it yet; nobody it can reach holds it.
    await reader.store.putManifest(fileId, (await holder.store.getManifest(fileId))!)
    const download = reader.files.download(fileId, SCOPE, new ListFinder([]))
    await until(() => download.state === 'waiting', 'the download to wait for holders', 2000)
    await until(async () => (await reader.store.getRecord(fileId))?.wanted, 'its record', 2000)

    const { index, writes } = heldIndex(fileId, size)
    const started: HashHex[] = []
    let passesDone = 0
    const keeper = new ReplicaKeeper({
      workplace: {
        id: 'wp',
        self: reader.peer,
        doc: undefined,
        isMember: () => true,
        members: () => [],
      } as unknown as FilesWorkplace,
      transfers: reader.files,
      presence: reader.mesh.presence,
      budget: new StorageBudget({ defaultQuota: 1e9 }),
      index,
      now: Date.now,
      local: () => {
        passesDone++
        return new Map()
      },
      download: (id) => {
        started.push(id)
        reader.files.download(id, SCOPE, new ListFinder([]))
      },
    })
    keeper.schedule(0)
    // The pass read the records (the file still wanted) and writes this device's holdings.
    await until(() => writes.length === 1, 'the pass to write holdings', 2000)
    await reader.files.cancel(fileId)
    expect((await reader.store.getRecord(fileId))?.wanted).toBe(false)
    writes.shift()!()
    await until(() => passesDone === 1, 'the pass to end', 2000)
    keeper.close()
    expect(started).toEqual([])
    expect(reader.files.downloadOf(fileId)).toBeUndefined()
  })
})
