import { next as Automerge } from '@automerge/automerge'
import type { Message } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { SyncEchoFilter } from '../../src/crdt/repo/sync-echo-filter.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { repoOverMesh } from '../support/memory-repo.ts'
import { until } from '../support/until.ts'

const PEER = 'BBBB' as PeerId
const DOC = '4NMNnkMhL8jXrdJ9jamS58PAVdXu'
const HEADS = ['0b0f7b4f7f6e4ba0b2b7b1d3a4c0f5e6d7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2']

function sync(data: Uint8Array): Message {
  return { type: 'sync', senderId: 'x', targetId: 'y', documentId: DOC, data } as unknown as Message
}

function bare(heads = HEADS, need: string[] = []): Uint8Array {
  return Automerge.encodeSyncMessage({ heads, need, have: [], changes: [] })
}

describe('SyncEchoFilter', () => {
  it('holds our message once the peer repeats itself and we would too', () => {
    const filter = new SyncEchoFilter()
    const theirs = sync(bare())
    const ours = sync(bare([]))
    filter.received(PEER, theirs)
    expect(filter.shouldSend(PEER, ours)).toBe(true)
    filter.received(PEER, theirs)
    expect(filter.shouldSend(PEER, ours)).toBe(false)
    expect(filter.held).toBe(1)
  })

  it('still answers a peer that keeps asking for a change (the need loop stays visible)', () => {
    const filter = new SyncEchoFilter()
    const asking = sync(bare(HEADS, HEADS))
    const ours = sync(bare([]))
    for (let i = 0; i < 4; i++) {
      filter.received(PEER, asking)
      expect(filter.shouldSend(PEER, ours)).toBe(true)
    }
  })

  it('sends what brings changes, what differs, and what follows a fresh start', () => {
    const filter = new SyncEchoFilter()
    const doc = Automerge.change(Automerge.init<{ n: number }>(), (d) => void (d.n = 1))
    const change = Automerge.getLastLocalChange(doc)!
    const withChanges = sync(
      Automerge.encodeSyncMessage({ heads: [], need: [], have: [], changes: [change] }),
    )
    const theirs = sync(bare())
    filter.received(PEER, theirs)
    filter.received(PEER, theirs)
    expect(filter.shouldSend(PEER, withChanges)).toBe(true)
    expect(filter.shouldSend(PEER, withChanges)).toBe(true)
    const ours = sync(bare([]))
    expect(filter.shouldSend(PEER, ours)).toBe(true)
    // The peer says something new (say, it restarted its sync with us): we answer.
    filter.received(PEER, sync(bare([])))
    expect(filter.shouldSend(PEER, ours)).toBe(true)
    // The link went down and up: the exchange starts afresh.
    filter.received(PEER, sync(bare([])))
    filter.forget(PEER)
    filter.received(PEER, sync(bare([])))
    expect(filter.shouldSend(PEER, ours)).toBe(true)
  })
})

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

describe('sync between three devices writing at once', () => {
  it('converges with the echoes held back', async () => {
    const hub = new MemoryMeshHub()
    const ids = ['AAAA', 'BBBB', 'CCCC'] as PeerId[]
    let frames = 0
    hub.lose = ({ channel }) => {
      if (channel === REPO_CHANNEL) frames++
      return false
    }
    const devices = ids.map((self) => {
      const mesh = hub.add(self)
      // A few milliseconds on the way, as over a real link (and through a worker's port): the
      // members' sync messages cross, which is where the echo starts.
      const deliver = mesh.deliver.bind(mesh)
      mesh.deliver = (from, channel, data) => void setTimeout(() => deliver(from, channel, data), 8)
      const device = repoOverMesh(mesh, self)
      cleanup.push(() => device.repo.shutdown())
      return device
    })
    const first = devices[0]!.repo.create<{ n: string[] }>({ n: [] })
    const handles = [first]
    for (const [i, d] of devices.slice(1).entries()) {
      hub.link(ids[0]!, ids[i + 1]!)
      handles.push(await d.repo.find<{ n: string[] }>(first.url))
    }
    hub.link(ids[1]!, ids[2]!)
    const writes = handles.map(async (handle, i) => {
      for (let k = 0; k < 40; k++) {
        handle.change((d) => void d.n.push(`${i}:${k}`))
        await new Promise((resolve) => setTimeout(resolve, 5 + ((k * 7 + i * 3) % 11)))
      }
    })
    await Promise.all(writes)
    const heads = (i: number) => Automerge.getHeads(handles[i]!.doc()!).join()
    await until(
      () => heads(0) === heads(1) && heads(1) === heads(2),
      'the three to converge',
      15_000,
    )
    expect(handles[2]!.doc()!.n).toHaveLength(120)
    const held = devices.reduce((sum, d) => sum + d.network.state().echoesHeld, 0)
    console.info(`repo frames: ${frames}, echoes held: ${held}`)
    expect(held).toBeGreaterThan(0)
  }, 20_000)
})
