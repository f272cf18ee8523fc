import type { DocHandle } from '@automerge/automerge-repo'
import { WorkplaceSync } from '../../src/crdt/sync/workplace-sync.ts'
import {
  createMemoryConfirmedHeadsStore,
  type ConfirmedHeadsStore,
} from '../../src/crdt/sync/confirmed-heads-store.ts'
import { createManualReachability } from '../../src/crdt/sync/reachability.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { MemoryMeshHub } from './memory-mesh.ts'
import type { TestDevice } from './test-device.ts'

/**
 * A device's sync status for a workplace on the in-memory mesh, as the app keeps it: reports
 * every 100 ms, told of every change of the root document. `reach` stands for the device's
 * signaling connection: set it false when the device loses the network. Close it when done.
 */
export function createTestSyncStatus(
  hub: MemoryMeshHub,
  dev: TestDevice,
  wp: Workplace,
  store: ConfirmedHeadsStore = createMemoryConfirmedHeadsStore(),
) {
  const reach = createManualReachability(true)
  const status = new WorkplaceSync({
    workplace: wp.id,
    mesh: dev.port,
    members: () => [...wp.membership.members.keys()],
    reach,
    handles: () => [wp.handle as DocHandle<unknown>],
    store,
    reportEveryMs: 100,
  })
  wp.handle.on('change', () => status.changed())
  return { status, mesh: dev.port, reach }
}
