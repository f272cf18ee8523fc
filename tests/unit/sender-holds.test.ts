import { next as Automerge } from '@automerge/automerge/slim'
import { cbor, type DocHandle, type Message } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import { CHANGE_PUSH_CHANNEL } from '../../src/crdt/repo/change-push.ts'
import { REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'

const WAIT_MS = 15_000
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** Ann, Bob and Cyd in one workplace on the in-memory mesh, all caught up. */
async function threeMembers() {
  const hub = new MemoryMeshHub()
  const devices = await Promise.all(['Ann', 'Bob', 'Cyd'].map((n) => createTestDevice(hub, n)))
  for (const d of devices) cleanup.push(() => d.stack.shutdown())
  const [ann, bob, cyd] = devices as [TestDevice, TestDevice, TestDevice]
  const acme = await ann.stack.workplaces.create('Acme')
  const link = linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 2 }))
  const wps: Workplace[] = [acme]
  for (const d of [bob, cyd]) {
    d.stack.joins.start(link)
    wps.push((await until(() => d.stack.workplaces.get(acme.id), `${d.name} to join`, WAIT_MS))!)
  }
  const heads = (wp: Workplace) => Automerge.getHeads(wp.handle.doc()!).sort().join()
  const agree = () =>
    wps.every((wp) => wp.membership.members.size === 3 && heads(wp) === heads(acme))
  await until(agree, 'everyone to agree', WAIT_MS)
  return { hub, ann, bob, cyd, wps, heads, agree }
}

/** Writes a change to a workplace's root as its device does, and pushes it. */
function write(dev: TestDevice, wp: Workplace, text: string) {
  wp.handle.change((d) => void (d.description = text))
  dev.stack.changes.push(wp.handle as DocHandle<unknown>)
}

const changesIn = (data: Uint8Array) => {
  const message = cbor.decode(data) as Message
  return message.type === 'sync' && message.data
    ? Automerge.decodeSyncMessage(message.data).changes.length
    : 0
}

describe('what a pushed change tells of its sender', { timeout: 60_000 }, () => {
  it('sync sends a pushed change back to nobody who pushed it', async () => {
    const { hub, ann, wps, agree } = await threeMembers()
    const annPeer = ann.identity.peerId
    let backToAnn = 0
    hub.lose = ({ to, channel, data }) => {
      if (to === annPeer && channel === REPO_CHANNEL) backToAnn += changesIn(data)
      return false
    }
    for (let i = 0; i < 10; i++) {
      write(ann, wps[0]!, `note ${i}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await until(agree, 'Bob and Cyd to hold Ann’s changes', WAIT_MS)
    // Long enough for every throttled sync (100 ms) to have gone out.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(backToAnn).toBe(0)
  })

  it('still brings a lost push, and what the pusher lacks, by sync', async () => {
    const { hub, ann, bob, wps, heads, agree } = await threeMembers()
    const [annPeer, bobPeer] = [ann.identity.peerId, bob.identity.peerId] as PeerId[]
    // Bob's pushes to Ann are lost, and so is Ann's next push to Bob.
    let annToBobLost = false
    hub.lose = ({ from, to, channel }) => {
      if (channel !== CHANGE_PUSH_CHANNEL) return false
      if (from === bobPeer && to === annPeer) return true
      if (from === annPeer && to === bobPeer && !annToBobLost) return (annToBobLost = true)
      return false
    }
    write(bob, wps[1]!, 'from Bob')
    write(ann, wps[0]!, 'from Ann')
    write(ann, wps[0]!, 'from Ann, again')
    await until(agree, 'everyone to agree again', WAIT_MS)
    expect(annToBobLost).toBe(true)
    const all = Automerge.getAllChanges(wps[0]!.handle.doc()!).length
    expect(Automerge.getAllChanges(wps[1]!.handle.doc()!).length).toBe(all)
    expect(heads(wps[1]!)).toBe(heads(wps[0]!))
  })
})
