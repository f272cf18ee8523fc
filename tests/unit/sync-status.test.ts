import * as Automerge from '@automerge/automerge'
import { describe, expect, it } from 'vitest'
import type { SelfSyncState } from '../../src/crdt/sync/workplace-sync.ts'
import { syncLabel } from '../../src/ui/workplace/sync-label.ts'
import { changeMany } from '../support/change-many.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { linkTo, testDevices } from '../support/test-device.ts'
import { createTestSyncStatus } from '../support/test-sync-status.ts'
import { until } from '../support/until.ts'

/** Upper bound for each wait: generous, as the machine running the tests may be busy. */
const WAIT_MS = 15_000

const { cleanup, device } = testDevices()

describe('sync status', { timeout: 60_000 }, () => {
  it('says "Only you are here" in a workplace with no other member, reachable or not', async () => {
    const hub = new MemoryMeshHub()
    const a = await device(hub, 'Ann')
    const acme = await a.stack.workplaces.create('Acme')
    const { status, reach } = createTestSyncStatus(hub, a, acme)
    cleanup.push(() => status.close())
    acme.setDescription('four changes, nobody to send them to')
    expect(status.self()).toEqual({ state: 'alone', others: 0, waiting: 0 })
    reach.set(false)
    expect(status.self()).toEqual({ state: 'alone', others: 0, waiting: 0 })
    expect(syncLabel(status.self()).label).toBe('Only you are here')
  })

  it('is "Offline, N changes waiting" only when members exist and none can be reached', async () => {
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    b!.stack.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 2 })))
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join', WAIT_MS)
    const bSync = createTestSyncStatus(hub, b!, bAcme)
    const aSync = createTestSyncStatus(hub, a!, acme)
    cleanup.push(
      () => bSync.status.close(),
      () => aSync.status.close(),
    )
    await until(() => bSync.status.self().state === 'in-sync', 'B to be in sync', WAIT_MS)
    expect(syncLabel(bSync.status.self()).label).toBe('In sync')

    // Ann's device goes away; Bob's still has its relay: nobody else is here, no alarm.
    hub.unlink(b!.identity.peerId, a!.identity.peerId)
    b!.port.authorize = () => false
    bSync.mesh.poke(acme.id)
    bAcme.setProfileName('Bob, alone')
    // The name is signed before it is written: wait for the change, not just the call.
    const alone = await until(
      () => {
        const self = bSync.status.self()
        return self.state === 'alone' && self.waiting === 1 ? self : undefined
      },
      'Bob’s signed name change to wait for a member',
      WAIT_MS,
    )
    expect(alone).toEqual({ state: 'alone', others: 1, waiting: 1 })
    expect(syncLabel(alone).label).toBe('Only you are here')

    // Bob's device loses the network too: now the changes are stuck, and it says so.
    const changes: SelfSyncState[] = []
    bSync.status.on('change', () => changes.push(bSync.status.self()))
    bSync.reach.set(false)
    expect(changes).toEqual([{ state: 'offline', waiting: 1 }])
    expect(syncLabel(changes[0]!).label).toBe('Offline, 1 change waiting')
  })

  it('counts waiting changes as they come, not afresh at every read', async () => {
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    b!.stack.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 2 })))
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join', WAIT_MS)
    const bSync = createTestSyncStatus(hub, b!, bAcme)
    const aSync = createTestSyncStatus(hub, a!, acme)
    cleanup.push(
      () => bSync.status.close(),
      () => aSync.status.close(),
    )
    await until(() => bSync.status.self().state === 'in-sync', 'B to be in sync', WAIT_MS)
    hub.unlink(b!.identity.peerId, a!.identity.peerId)
    b!.port.authorize = () => false
    bSync.mesh.poke(acme.id)
    await until(() => bSync.status.self().state === 'alone', 'B to be alone', WAIT_MS)

    const MANY = 3000
    // Raw document changes (only an owner may set the description through the workplace).
    const change = (text: string) => bAcme.handle.change((doc) => void (doc.description = text))
    // MANY separate changes, handed over at once (a change event for each is not what counts).
    changeMany(bAcme.handle, MANY, (doc, i) => void (doc.description = `change ${i}`))
    expect(bSync.status.self()).toEqual({ state: 'alone', others: 1, waiting: MANY })
    // One full count, as every read made before (the median of three: one alone, timed while
    // the machine happened to be quiet, made the bound flaky on a loaded one).
    const fullTimes = [0, 1, 2].map(() => {
      const fullStart = performance.now()
      expect(Automerge.getChangesMetaSince(bAcme.handle.doc(), []).length).toBeGreaterThan(MANY)
      return performance.now() - fullStart
    })
    const fullMs = fullTimes.sort((x, y) => x - y)[1]!
    // A read after each of 200 more changes (the UI reads on every change) costs far less than
    // 200 full counts.
    let readsMs = 0
    for (let i = 0; i < 200; i++) {
      change(`more ${i}`)
      const start = performance.now()
      bSync.status.self()
      readsMs += performance.now() - start
    }
    expect(bSync.status.self()).toEqual({ state: 'alone', others: 1, waiting: MANY + 200 })
    expect(readsMs).toBeLessThan(20 * fullMs)
  })

  it('names how many members it is still syncing with', () => {
    expect(syncLabel({ state: 'syncing', pending: 3 }).label).toBe('Syncing with 3')
    expect(syncLabel({ state: 'offline', waiting: 0 }).label).toBe('Offline')
    expect(syncLabel({ state: 'offline', waiting: 4 }).label).toBe('Offline, 4 changes waiting')
    expect(syncLabel({ state: 'alone', others: 2, waiting: 4 }).detail).toMatch(
      /4 changes will reach them/,
    )
  })
})
