import { afterEach, expect, it } from 'vitest'
import type { DocHandle } from '@automerge/automerge-repo'
import { createManualReachability } from '../../src/crdt/sync/reachability.ts'
import { WorkplaceSync } from '../../src/crdt/sync/workplace-sync.ts'
import { createMemoryConfirmedHeadsStore } from '../../src/crdt/sync/confirmed-heads-store.ts'
import { annAndBobInAcme } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

// A newcomer compared only the documents it held with the Syncer's: while its contact book was
// still on its way it said "in sync", and the members saw it in sync too.
it('a member still fetching a document the others hold is not in sync', async () => {
  const { ann, bob, acme, bobAcme } = await annAndBobInAcme(cleanup)
  // A document of the workplace Ann holds (as the contact book) and Bob is fetching.
  const book = ann.stack.repo.create<{ n: number }>({ n: 1 })
  const annStore = createMemoryConfirmedHeadsStore()
  const annSync = new WorkplaceSync({
    workplace: acme.id,
    mesh: ann.port,
    members: () => [...acme.membership.members.keys()],
    reach: createManualReachability(true),
    handles: () => [acme.handle as DocHandle<unknown>, book as DocHandle<unknown>],
    store: annStore,
    reportEveryMs: 600_000,
  })
  let fetching = [book.documentId as string]
  const bobSync = new WorkplaceSync({
    workplace: acme.id,
    mesh: bob.port,
    members: () => [...bobAcme.membership.members.keys()],
    reach: createManualReachability(true),
    handles: () => [bobAcme.handle as DocHandle<unknown>],
    fetching: () => fetching,
    store: createMemoryConfirmedHeadsStore(),
    reportEveryMs: 600_000,
  })
  cleanup.push(
    () => annSync.close(),
    () => bobSync.close(),
  )
  ann.port.poke(acme.id)
  bob.port.poke(acme.id)
  await until(
    () => bobSync.reportedHeads()[ann.identity.peerId]?.[book.documentId],
    'Bob to hear Ann’s heads',
  )
  await until(
    () => annSync.reportedHeads()[bob.identity.peerId]?.[book.documentId],
    'Ann to hear Bob’s heads',
  )
  await until(() => acme.handle.heads().join() === bobAcme.handle.heads().join(), 'the roots')
  annSync.report()
  bobSync.report()
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect(bobSync.self().state).toBe('syncing')
  const bobAsAnnSees = () =>
    annSync.members([bob.identity.peerId]).find((m) => m.peer === bob.identity.peerId)!
  expect(bobAsAnnSees().inSync).toBe(false)
  // Bob holding none of it says nothing of what the others hold.
  expect(annStore.load(acme.id)[book.documentId]).toBeUndefined()

  // Without the document on its way (only documents both hold count), the roots agree.
  fetching = []
  bobSync.changed()
  await until(() => bobSync.self().state === 'in-sync', 'Bob in sync on the documents he holds')
  await until(() => bobAsAnnSees().inSync, 'Ann to see Bob in sync')
})
