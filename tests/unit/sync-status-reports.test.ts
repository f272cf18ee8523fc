import { afterEach, expect, it } from 'vitest'
import * as Automerge from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import { createManualReachability } from '../../src/crdt/sync/reachability.ts'
import { WorkplaceSync } from '../../src/crdt/sync/workplace-sync.ts'
import {
  createMemoryConfirmedHeadsStore,
  type ConfirmedHeadsStore,
} from '../../src/crdt/sync/confirmed-heads-store.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { annAndBobInAcme, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

type Page = { items: Record<string, number> }

/** Sync status over the root and one more document, with no periodic report to help. */
function status(
  dev: TestDevice,
  wp: Workplace,
  page: () => DocHandle<Page> | undefined,
  store: ConfirmedHeadsStore = createMemoryConfirmedHeadsStore(),
) {
  const sync = new WorkplaceSync({
    workplace: wp.id,
    mesh: dev.port,
    members: () => [...wp.membership.members.keys()],
    reach: createManualReachability(true),
    handles: () => [wp.handle as DocHandle<unknown>, ...(page() ? [page()!] : [])],
    store,
    reportEveryMs: 600_000,
  })
  cleanup.push(() => sync.close())
  return sync
}

async function twoMembers() {
  const { ann, bob, acme, bobAcme } = await annAndBobInAcme(cleanup)
  // Ann's page, a document of the workplace besides its root (as a chat shard is).
  const page = ann.stack.repo.create<Page>({ items: {} })
  return { ann, bob, acme, bobAcme, page }
}

it('reports heads when any document of the workplace changes, not only the root', async () => {
  const { ann, bob, acme, bobAcme, page } = await twoMembers()
  const annSync = status(ann, acme, () => page)
  const bobSync = status(bob, bobAcme, () => undefined)
  ann.port.poke(acme.id)
  bob.port.poke(acme.id)

  page.change((d) => void (d.items.a = 1))
  const heads = Automerge.getHeads(page.doc()!)
  await until(
    () => bobSync.reportedHeads()[ann.identity.peerId]?.[page.documentId]?.join() === heads.join(),
    'Bob to hear the page’s new heads from Ann',
    3000,
  )
  expect(annSync.self().state).not.toBe('offline')
})

it('keeps reporting while changes go on, instead of waiting for a quiet moment', async () => {
  const { ann, bob, acme, bobAcme, page } = await twoMembers()
  const annSync = status(ann, acme, () => page)
  const bobSync = status(bob, bobAcme, () => undefined)
  ann.port.poke(acme.id)
  bob.port.poke(acme.id)

  const heard = new Set<string>()
  bobSync.on('change', () => {
    const reported = bobSync.reportedHeads()[ann.identity.peerId]?.[page.documentId]
    if (reported) heard.add(reported.join())
  })
  // A change every 40 ms for 1.2 s: never 150 ms of quiet.
  for (let i = 0; i < 30; i++) {
    page.change((d) => void (d.items[`k${i}`] = i))
    annSync.changed() // as the app does for the root
    await new Promise((resolve) => setTimeout(resolve, 40))
  }
  expect(heard.size).toBeGreaterThanOrEqual(3)
})

it('writes what others hold to its store in batches, and the last batch when it closes', async () => {
  const { ann, bob, acme, bobAcme, page } = await twoMembers()
  const annSync = status(ann, acme, () => page)
  const saved: Record<string, string[]>[] = []
  const savedAt: number[] = []
  const memory = createMemoryConfirmedHeadsStore()
  const store: ConfirmedHeadsStore = {
    load: (workplace) => memory.load(workplace),
    save(workplace, heads) {
      saved.push(heads)
      savedAt.push(Date.now())
      memory.save(workplace, heads)
    },
  }
  const bobSync = status(bob, bobAcme, () => undefined, store)
  ann.port.poke(acme.id)
  bob.port.poke(acme.id)
  let reports = 0
  bobSync.on('change', () => reports++)
  // Reports go out at most every 250 ms while changes go on: ~4 in this second.
  for (let i = 0; i < 25; i++) {
    page.change((d) => void (d.items[`k${i}`] = i))
    annSync.changed()
    await new Promise((resolve) => setTimeout(resolve, 40))
  }
  const last = Automerge.getHeads(page.doc()!).join()
  await until(
    () => bobSync.reportedHeads()[ann.identity.peerId]?.[page.documentId]?.join() === last,
    'Bob to hear Ann’s last heads',
    3000,
  )
  expect(reports).toBeGreaterThanOrEqual(3)
  // One write a second at most, not one per report. The loop lasts a second on a quiet machine
  // and longer on a busy one (its 40 ms waits run late), so the gaps are checked, not a count.
  expect(saved.length).toBeLessThan(reports)
  const gaps = savedAt.slice(1).map((at, i) => at - savedAt[i]!)
  expect(Math.min(...gaps, Infinity), 'the shortest gap between writes').toBeGreaterThanOrEqual(990)
  bobSync.close()
  expect(saved.at(-1)?.[page.documentId]?.join()).toBe(last)
})
