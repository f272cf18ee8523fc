import * as Automerge from '@automerge/automerge'
import { describe, expect, it } from 'vitest'
import { REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { createMemoryConfirmedHeadsStore } from '../../src/crdt/sync/confirmed-heads-store.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { linkTo, testDevices } from '../support/test-device.ts'
import { createTestSyncStatus } from '../support/test-sync-status.ts'
import { until } from '../support/until.ts'

/** Upper bound for each wait: generous, as the machine running the tests may be busy. */
const WAIT_MS = 15_000

const { cleanup, device } = testDevices()

/**
 * Ann's workplace with Bob in it; Bob's status keeps what it confirms in `store`. With `inSync`,
 * once Bob is in sync.
 */
async function annAndBob(store = createMemoryConfirmedHeadsStore(), inSync = true) {
  const hub = new MemoryMeshHub()
  const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
  const acme = await a!.stack.workplaces.create('Acme')
  b!.stack.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 2 })))
  const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join', WAIT_MS)
  const bSync = createTestSyncStatus(hub, b!, bAcme, store)
  const aSync = createTestSyncStatus(hub, a!, acme)
  cleanup.push(
    () => bSync.status.close(),
    () => aSync.status.close(),
  )
  if (inSync) {
    await until(() => bSync.status.self().state === 'in-sync', 'B to be in sync', WAIT_MS)
  }
  return { hub, a: a!, b: b!, acme, bAcme, bSync }
}

describe('heads other members are known to hold', { timeout: 60_000 }, () => {
  // The bench's member closed its page right after catching up: the store was written a second
  // after the report, so never, and each start counted its waiting changes from the join on.
  it('are stored as soon as a member first reports them, not a second later', async () => {
    const store = createMemoryConfirmedHeadsStore()
    const { acme, bAcme, bSync } = await annAndBob(store, false)
    await until(
      () => Object.keys(bSync.status.reportedHeads()).length > 0,
      'a first report from Ann',
      WAIT_MS,
    )
    expect(store.load(acme.id)[bAcme.handle.documentId]).toBeDefined()
  })

  // A member ahead of this device reports heads it does not hold: counting from none of them,
  // every change of the history waited, and the count read the whole history each time.
  it('stay counted from when a member reports heads this device does not hold yet', async () => {
    const { hub, a, b, acme, bAcme, bSync } = await annAndBob()
    const change = (text: string) => acme.handle.change((doc) => void (doc.description = text))
    for (let i = 0; i < 300; i++) change(`shared ${i}`)
    await until(
      () => bAcme.handle.heads().join() === acme.handle.heads().join(),
      'Bob to get the 300 changes',
      WAIT_MS,
    )
    await until(() => bSync.status.self().state === 'in-sync', 'B in sync again', WAIT_MS)
    // Ann's next changes do not reach Bob, but her reports of them do.
    hub.lose = ({ from, channel }) => from === a.identity.peerId && channel === REPO_CHANNEL
    for (let i = 0; i < 5; i++) change(`ahead ${i}`)
    const ahead = [...Automerge.getHeads(acme.handle.doc())].sort().join()
    await until(
      () =>
        Object.values(bSync.status.reportedHeads()).some(
          (heads) => [...(heads[acme.handle.documentId] ?? [])].sort().join() === ahead,
        ),
      'Ann to report heads Bob lacks',
      WAIT_MS,
    )
    hub.unlink(b.identity.peerId, a.identity.peerId)
    b.port.authorize = () => false
    bSync.mesh.poke(acme.id)
    const alone = await until(
      () => {
        const self = bSync.status.self()
        return self.state === 'alone' ? self : undefined
      },
      'Bob to be alone',
      WAIT_MS,
    )
    // Bob made no change of his own: Ann holds all he holds.
    expect(alone).toEqual({ state: 'alone', others: 1, waiting: 0 })
  })
})
