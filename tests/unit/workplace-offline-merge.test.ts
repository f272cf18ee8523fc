import { describe, expect, it } from 'vitest'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { linkTo, testDevices, type TestDevice } from '../support/test-device.ts'
import { createTestSyncStatus } from '../support/test-sync-status.ts'
import { until } from '../support/until.ts'

const { cleanup, device } = testDevices()

function sync(hub: MemoryMeshHub, dev: TestDevice, wp: Workplace) {
  const created = createTestSyncStatus(hub, dev, wp)
  cleanup.push(() => created.status.close())
  return created
}

const heads = (wp: Workplace) => [...wp.handle.heads()].sort().join()

describe('offline work and merge', () => {
  it('merges every member’s offline changes and shows the sync state', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, c] = await Promise.all(['Ann', 'Bob', 'Cy'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const invite = await acme.createInvite({ expiresInMs: 60_000, maxUses: 5 })
    const link = linkTo(acme, invite)
    b!.stack.joins.start(link)
    c!.stack.joins.start(link)
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join')
    const cAcme = await until(() => c!.stack.workplaces.get(acme.id), 'C to join')
    await until(() => heads(acme) === heads(bAcme) && heads(acme) === heads(cAcme), 'convergence')
    const bSync = sync(hub, b!, bAcme)
    sync(hub, a!, acme)
    sync(hub, c!, cAcme)
    await until(() => bSync.status.self().state === 'in-sync', 'B to be in sync before it leaves')

    // B goes away: its links drop.
    for (const peer of [a!.identity.peerId, c!.identity.peerId])
      hub.unlink(b!.identity.peerId, peer)
    const holdLinks = b!.port.authorize
    b!.port.authorize = () => false
    bSync.reach.set(false)
    bSync.mesh.poke(acme.id)

    acme.setDescription('A wrote this')
    cAcme.handle.change((d) => {
      d.docs.chat = 'automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu'
    })
    bAcme.setProfileName('Bob (offline)')
    bAcme.handle.change((d) => {
      d.settings.replicas = 3
    })
    await until(() => heads(acme) === heads(cAcme), 'A and C to converge')
    // B's status counts its own changes as they are saved, not in the same turn.
    await until(() => {
      const self = bSync.status.self()
      return 'waiting' in self && self.waiting === 2
    }, 'B to count both of its changes')
    expect(bSync.status.self()).toEqual({ state: 'offline', waiting: 2 })

    // B returns.
    b!.port.authorize = holdLinks
    bSync.reach.set(true)
    hub.link(b!.identity.peerId, a!.identity.peerId)
    hub.link(b!.identity.peerId, c!.identity.peerId)
    bSync.mesh.poke(acme.id)
    await until(
      () => heads(acme) === heads(bAcme) && heads(bAcme) === heads(cAcme),
      'all three to converge',
    )
    for (const wp of [acme, bAcme, cAcme]) {
      const doc = wp.handle.doc()!
      expect(doc.description).toBe('A wrote this')
      expect(doc.docs.chat).toBe('automerge:4NMNnkMhL8jXrdJ9jamS58PAVdXu')
      expect(doc.profiles[b!.identity.peerId]!.name).toBe('Bob (offline)')
      expect(doc.settings.replicas).toBe(3)
    }
    await until(() => bSync.status.self().state === 'in-sync', 'B to show in sync', 3000)
  })
})
