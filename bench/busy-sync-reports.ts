import { createMemoryConfirmedHeadsStore } from '../src/crdt/sync/confirmed-heads-store.ts'
import { createManualReachability } from '../src/crdt/sync/reachability.ts'
import { SYNC_STATUS_CHANNEL } from '../src/crdt/sync/sync-protocol.ts'
import { WorkplaceSync } from '../src/crdt/sync/workplace-sync.ts'
import { createMeshPort } from '../src/peer/mesh/mesh-port-adapter.ts'
import type { FrameCounter } from '../tests/support/frame-counter.ts'
import { GROUP, type TestPeer } from '../tests/support/fake-mesh-network.ts'
import { movingRemoteDocs } from '../tests/support/moving-remote-docs.ts'

/** How long the chat is busy, and how often every member's documents move on meanwhile. */
const BUSY_MS = 10_000
const CHANGE_EVERY_MS = 40

/**
 * Heads reports in a busy chat: a WorkplaceSync on each member's real mesh port (the workplace
 * is the mesh group); every `CHANGE_EVERY_MS` every member's documents move on, as when each
 * gets the next message, for `BUSY_MS`. Returns the sync-status frames each member sent plus
 * received a second (forwarded ones included), the busiest member's and the mean.
 */
export async function busySyncReports(
  peers: readonly TestPeer[],
  counter: FrameCounter,
): Promise<{ max: number; mean: number }> {
  const members = peers.map((p) => p.id)
  // One set of documents for all: every member holds the same version at each moment.
  const docs = movingRemoteDocs()
  const ports = peers.map((p) => createMeshPort({ mesh: p.mesh, presence: p.presence! }))
  const syncs = ports.map(
    (mesh) =>
      new WorkplaceSync({
        workplace: GROUP,
        mesh,
        members: () => members,
        reach: createManualReachability(true),
        handles: () => [],
        remote: docs.remote,
        store: createMemoryConfirmedHeadsStore(),
      }),
  )
  try {
    counter.reset()
    const started = performance.now()
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        docs.change()
        if (performance.now() - started < BUSY_MS) return
        clearInterval(timer)
        done()
      }, CHANGE_EVERY_MS)
    })
    const seconds = (performance.now() - started) / 1000
    const rates = [...counter.perPeer(SYNC_STATUS_CHANNEL).values()].map((n) => n / seconds)
    return {
      max: Math.max(...rates),
      mean: rates.reduce((a, b) => a + b, 0) / peers.length,
    }
  } finally {
    for (const sync of syncs) sync.close()
    for (const port of ports) port.close()
  }
}
