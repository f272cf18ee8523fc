import { cbor, type Message } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MeshNetworkAdapter, REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { SyncerFirst, type PeerGate } from '../../src/crdt/sync/syncer-first.ts'
import type { PeerPresence } from '../../src/peer/mesh/mesh-port.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { createTestSyncStatus } from '../support/test-sync-status.ts'
import { until } from '../support/until.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
  vi.useRealTimers()
})

const [S, M, R] = ['AAAA', 'MMMM', 'RRRR'] as [PeerId, PeerId, PeerId]

/** Presence where everyone listed is online and the Syncer is the lowest ID. */
function presenceOf(online: PeerId[]): Pick<PeerPresence, 'syncer'> {
  return { syncer: () => [...online].sort()[0]! }
}

describe('the Syncer-first gate', () => {
  it('holds the other members of a workplace until this device is in sync, or for a while', () => {
    vi.useFakeTimers()
    const members = new Set([S, M, R])
    const gate = new SyncerFirst({
      self: R,
      presence: presenceOf([S, M, R]),
      workplaces: () => [{ id: 'w', isMember: (p) => members.has(p) }],
      maxHoldMs: 3000,
    })
    const changes = vi.fn()
    gate.onChange(changes)
    expect(gate.held(S)).toBe(false)
    expect(gate.held(M)).toBe(true)
    expect(gate.held('NOTAMEMBER' as PeerId)).toBe(false)
    gate.synced('w')
    expect(gate.held(M)).toBe(false)
    expect(changes).toHaveBeenCalledTimes(1)

    gate.offline('w')
    expect(gate.held(M)).toBe(true)
    vi.advanceTimersByTime(2999)
    expect(gate.held(M)).toBe(true)
    vi.advanceTimersByTime(1)
    expect(gate.held(M)).toBe(false)
    expect(changes).toHaveBeenCalledTimes(2)
  })

  it('holds nobody when this device is the Syncer', () => {
    const gate = new SyncerFirst({
      self: S,
      presence: presenceOf([S, M, R]),
      workplaces: () => [{ id: 'w', isMember: () => true }],
    })
    expect(gate.held(M)).toBe(false)
    expect(gate.held(R)).toBe(false)
  })
})

describe('the repo network with a gate', () => {
  it('keeps what a held peer sends and delivers it, in order, once it is released', async () => {
    const hub = new MemoryMeshHub()
    const [port, other] = [hub.add(R), hub.add(M)]
    hub.link(R, M)
    let holding = true
    const listeners = new Set<() => void>()
    const gate: PeerGate = {
      held: () => holding,
      onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    }
    const adapter = new MeshNetworkAdapter(
      port,
      { mayPeer: () => true, mayExchange: () => true },
      gate,
    )
    const events: string[] = []
    adapter.on('peer-candidate', ({ peerId }) => events.push(`candidate ${peerId}`))
    adapter.on('message', (m) => events.push(`message ${(m as { data: Uint8Array }).data[0]}`))
    adapter.connect(R as unknown as Message['targetId'])
    for (const n of [1, 2, 3]) {
      const message = {
        type: 'sync',
        senderId: M,
        targetId: R,
        documentId: '4NMNnkMhL8jXrdJ9jamS58PAVdXu',
        data: new Uint8Array([n]),
      }
      other.send(R, REPO_CHANNEL, cbor.encode(message))
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(events).toEqual([])
    holding = false
    for (const listener of listeners) listener()
    expect(events).toEqual([`candidate ${M}`, 'message 1', 'message 2', 'message 3'])
    adapter.disconnect()
  })
})

describe('a member coming back', () => {
  it('syncs with the Syncer first, which passes its changes on', async () => {
    const hub = new MemoryMeshHub()
    const gates = new Map<PeerId, SyncerFirst>()
    const devices = await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        createTestDevice(hub, name, {
          gate: (self, stack) => {
            const gate = new SyncerFirst({
              self,
              presence: hub.meshes.get(self)!.presence,
              workplaces: () => stack().workplaces.list(),
              maxHoldMs: 10_000,
            })
            gates.set(self, gate)
            return gate
          },
        }),
      ),
    )
    for (const d of devices) cleanup.push(() => d.stack.shutdown())
    // The Syncer is the lowest peer ID; the one coming back the highest.
    const [s, m, r] = [...devices].sort((a, b) => (a.identity.peerId < b.identity.peerId ? -1 : 1))
    const sAcme = await s!.stack.workplaces.create('Acme')
    const link = linkTo(sAcme, await sAcme.createInvite({ expiresInMs: 60_000, maxUses: 5 }))
    m!.stack.joins.start(link)
    r!.stack.joins.start(link)
    const mAcme = await until(() => m!.stack.workplaces.get(sAcme.id), 'M to join')
    const rAcme = await until(() => r!.stack.workplaces.get(sAcme.id), 'R to join')
    const statuses = [s, m, r].map((d, i) =>
      follow(hub, d!, [sAcme, mAcme, rAcme][i]!, gates.get(d!.identity.peerId)!),
    )
    await until(() => statuses[2]!.self().state === 'in-sync', 'R in sync before it leaves')

    for (const peer of [s!.identity.peerId, m!.identity.peerId])
      hub.unlink(r!.identity.peerId, peer)
    const authorize = r!.port.authorize
    r!.port.authorize = () => false
    await until(() => statuses[2]!.self().state === 'alone', 'R to see itself alone')

    // Both are signed before they are written: wait for the writes.
    await sAcme.setDescription('S wrote this')
    await mAcme.setProfileName('M, renamed')
    rAcme.handle.change((d) => {
      d.settings.replicas = 3
    })
    const sHasR = () => sAcme.handle.doc()?.settings.replicas === 3
    const firstRepoMessage = new Map<PeerId, { at: number; sHadR: boolean }>()
    let clock = 0
    const send = r!.port.send.bind(r!.port)
    r!.port.send = (peer, channel, data) => {
      if (channel === REPO_CHANNEL && !firstRepoMessage.has(peer)) {
        firstRepoMessage.set(peer, { at: clock++, sHadR: sHasR() })
      }
      return send(peer, channel, data)
    }

    r!.port.authorize = authorize
    hub.link(r!.identity.peerId, m!.identity.peerId)
    hub.link(r!.identity.peerId, s!.identity.peerId)
    const heads = (wp: Workplace) => [...wp.handle.heads()].sort().join()
    await until(
      () => heads(sAcme) === heads(rAcme) && heads(mAcme) === heads(rAcme),
      'all three to converge',
    )
    for (const wp of [sAcme, mAcme, rAcme]) {
      expect(wp.handle.doc()!.description).toBe('S wrote this')
      expect(wp.handle.doc()!.settings.replicas).toBe(3)
    }
    const toSyncer = firstRepoMessage.get(s!.identity.peerId)!
    const toOther = await until(() => firstRepoMessage.get(m!.identity.peerId), 'R to talk to M')
    expect(toSyncer.at).toBeLessThan(toOther.at)
    expect(toOther.sHadR).toBe(true)
  })
})

/** The device's sync status for the workplace, as the app keeps it, told to its gate. */
function follow(hub: MemoryMeshHub, dev: TestDevice, wp: Workplace, gate: SyncerFirst) {
  const { status, mesh } = createTestSyncStatus(hub, dev, wp)
  // Presence of the fake mesh changes with links; tell the status whenever they do.
  const poll = setInterval(() => mesh.poke(wp.id), 50)
  const unfollow = gate.follow(status)
  cleanup.push(() => {
    clearInterval(poll)
    unfollow()
    gate.close()
    status.close()
  })
  return status
}
