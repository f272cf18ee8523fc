import { next as Automerge } from '@automerge/automerge'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { NeedLoopGuard } from '../../src/crdt/repo/need-loop.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { repoOverMesh } from '../support/memory-repo.ts'
import { until } from '../support/until.ts'

const [A, B] = ['AAAA', 'BBBB'] as [PeerId, PeerId]
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function device(hub: MemoryMeshHub, self: PeerId) {
  const made = repoOverMesh(hub.add(self), self)
  cleanup.push(() => made.repo.shutdown())
  return made
}

type Doc = { n: number[] }
const heads = (doc: Automerge.Doc<Doc> | undefined) => (doc ? Automerge.getHeads(doc).join() : '')

describe('a sync message lost on the way', () => {
  it('does not leave the receiver behind for good: the stalled sync restarts', async () => {
    const hub = new MemoryMeshHub()
    const a = device(hub, A)
    const b = device(hub, B)
    hub.link(A, B)
    const onA = a.repo.create<Doc>({ n: [] })
    const onB = await b.repo.find<Doc>(onA.url)
    await until(() => heads(onA.doc()) === heads(onB.doc()), 'the two to sync')

    // What A sends is lost for a while (a forwarding hop went down) while the link stays up, so
    // nothing resets the sync. Automerge counts the lost changes as delivered and never resends
    // them: B keeps asking for them and A keeps answering without them, as fast as they can.
    hub.lose = ({ from, channel }) => from === A && channel === REPO_CHANNEL
    onA.change((d) => void d.n.push(1))
    await new Promise((resolve) => setTimeout(resolve, 150))
    hub.lose = () => false
    onA.change((d) => void d.n.push(2))

    await until(
      () => heads(onA.doc()) === heads(onB.doc()),
      'B to catch up after the lost change',
      15_000,
    )
    expect(onB.doc()!.n).toEqual([1, 2])
    expect(a.network.state().stuckRestarts).toBeGreaterThan(0)
  }, 20_000)
})

describe('the need-loop guard', () => {
  const hash = 'ab'.repeat(32)
  const needing = (need: string[], changes: Uint8Array[] = []) =>
    Automerge.encodeSyncMessage({ heads: [], need, have: [], changes })

  it('calls a sync stuck after the same unmet need repeats, and forgets met needs', () => {
    const guard = new NeedLoopGuard()
    const asks = () => guard.stuck(B, 'doc', needing([hash]))
    expect([asks(), asks(), asks(), asks()]).toEqual([false, false, false, true])
    // A need that changes, or a message that brings changes, is progress, not a loop.
    expect([asks(), asks(), asks()]).toEqual([false, false, false])
    expect(guard.stuck(B, 'doc', needing([]))).toBe(false)
    expect(asks()).toBe(false)
    expect(guard.stuck(B, 'doc', new Uint8Array([1, 2, 3]))).toBe(false)
  })

  it('restarts one peer at most three times a minute, so a hostile peer cannot spin it', () => {
    let now = 0
    const guard = new NeedLoopGuard(() => now)
    const loop = () => [1, 2, 3, 4].map(() => guard.stuck(A, 'doc', needing([hash]))).at(-1)
    expect([loop(), loop(), loop(), loop()]).toEqual([true, true, true, false])
    now += 61_000
    expect(loop()).toBe(true)
  })
})
