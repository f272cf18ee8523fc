import { afterEach, expect, it } from 'vitest'
import type { DocHandle } from '@automerge/automerge-repo'
import { WorkerDocs } from '../../src/crdt/documents-worker/worker-docs.ts'
import { createManualReachability } from '../../src/crdt/sync/reachability.ts'
import { SYNC_STATUS_CHANNEL } from '../../src/crdt/sync/sync-protocol.ts'
import { WorkplaceSync } from '../../src/crdt/sync/workplace-sync.ts'
import { createMemoryConfirmedHeadsStore } from '../../src/crdt/sync/confirmed-heads-store.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { annAndBobInAcme, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/**
 * A device whose chat documents are in the documents worker: WorkerDocs as the page holds them,
 * answered as the worker's DocHeadsReporter does (each `confirm` is followed, a moment later,
 * by the worker's heads and waiting count, whether or not they changed).
 */
function withWorkerDocs(dev: TestDevice, wp: Workplace, heads: Record<string, string[]>) {
  const docs: WorkerDocs = new WorkerDocs(() => {
    setTimeout(() => docs.update(heads, 0), 10)
  })
  docs.update(heads, 0)
  let reports = 0
  const send = dev.port.send.bind(dev.port)
  dev.port.send = (peer, channel, data) => {
    if (channel === SYNC_STATUS_CHANNEL) reports++
    return send(peer, channel, data)
  }
  const sync = new WorkplaceSync({
    workplace: wp.id,
    mesh: dev.port,
    members: () => [...wp.membership.members.keys()],
    reach: createManualReachability(true),
    handles: () => [wp.handle as DocHandle<unknown>],
    remote: docs,
    store: createMemoryConfirmedHeadsStore(),
    reportEveryMs: 600_000,
  })
  cleanup.push(() => sync.close())
  return { sync, reports: () => reports }
}

it('a report of unchanged heads from the worker sends no report: members fall quiet', async () => {
  const { ann, bob, acme, bobAcme } = await annAndBobInAcme(cleanup)
  const shard = { '2j9DjpZo4ANqzB2WLkeMYMwkJq3v': ['ab'.repeat(32)] }
  const annSide = withWorkerDocs(ann, acme, shard)
  const bobSide = withWorkerDocs(bob, bobAcme, shard)
  ann.port.poke(acme.id)
  bob.port.poke(acme.id)
  await until(
    () => annSide.sync.self().state === 'in-sync' && bobSide.sync.self().state === 'in-sync',
    'both to be in sync',
    5000,
  )
  // Nothing changes from here on: each report answered by a report of the same heads would
  // go back and forth for ever (the chat's documents in the worker did, every ~350 ms).
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const before = annSide.reports() + bobSide.reports()
  await new Promise((resolve) => setTimeout(resolve, 1500))
  expect(annSide.reports() + bobSide.reports() - before).toBe(0)
})
