import { next as Automerge } from '@automerge/automerge'
import { afterEach, describe, expect, it } from 'vitest'
import { MeshNetworkAdapter } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { createMeshRepo } from '../../src/crdt/repo/mesh-repo.ts'
import { decodeResyncRequest, encodeResyncRequest } from '../../src/crdt/repo/resync-protocol.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { until } from '../support/until.ts'

const [A, B] = ['AAAA', 'BBBB'] as [PeerId, PeerId]
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A repo on the in-memory mesh whose access to documents a test switches on and off. */
function device(hub: MemoryMeshHub, self: PeerId) {
  const denied = new Set<string>()
  const policy = {
    mayExchange: (_peer: PeerId, doc: string) => !denied.has(doc),
    mayPeer: () => true,
  }
  const network = new MeshNetworkAdapter(hub.add(self), policy)
  const repo = createMeshRepo({ self, network, policy })
  cleanup.push(() => repo.shutdown())
  /** Access changed, as Workplaces tells the stack (see workplace-stack.ts). */
  const accessChanged = () => {
    network.refreshPeers()
    repo.shareConfigChanged()
  }
  return { repo, network, denied, accessChanged }
}

type Doc = { n: number }
const heads = (doc: Automerge.Doc<Doc> | undefined) => (doc ? Automerge.getHeads(doc).join() : '')

async function twoInSync() {
  const hub = new MemoryMeshHub()
  const a = device(hub, A)
  const b = device(hub, B)
  hub.link(A, B)
  const onA = a.repo.create<Doc>({ n: 0 })
  const onB = await b.repo.find<Doc>(onA.url)
  await until(() => heads(onA.doc()) === heads(onB.doc()), 'the two to sync')
  return { a, b, onA, onB }
}

describe('sync refused for lack of access', () => {
  it('is made good once the receiver has access: the sender restarts its sync', async () => {
    const { a, b, onA, onB } = await twoInSync()
    // B does not (yet) know the document belongs to a workplace A is in: it refuses A's change.
    b.denied.add(onA.documentId)
    onA.change((d) => void (d.n = 1))
    await until(() => b.network.state().dropped.length > 0, 'B to refuse the change')
    // Plain automerge sync never sends that change again, whatever else happens.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(onB.doc()!.n).toBe(0)

    b.denied.delete(onA.documentId)
    b.accessChanged()
    await until(() => onB.doc()!.n === 1, 'B to get the change it refused', 3000)
    expect(b.network.state().owed).toBe(0)
    expect(a.network.state().owed).toBe(0)
  })

  it('is made good when the sender held it back: its own sync restarts', async () => {
    const { a, onA, onB } = await twoInSync()
    // A's repo sends the change, but A's network holds it back: access is not known yet.
    a.denied.add(onA.documentId)
    onA.change((d) => void (d.n = 2))
    await until(() => a.network.state().owed > 0, 'A to hold the change back')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(onB.doc()!.n).toBe(0)

    a.denied.delete(onA.documentId)
    a.accessChanged()
    await until(() => onB.doc()!.n === 2, 'B to get the change held back', 3000)
  })
})

describe('the resync request', () => {
  it('round-trips and refuses malformed input', () => {
    const doc = '4NMNnkMhL8jXrdJ9jamS58PAVdXu'
    expect(decodeResyncRequest(encodeResyncRequest([doc]))).toEqual({ v: 1, docs: [doc] })
    expect(decodeResyncRequest(new Uint8Array([0x1c]))).toBe('undecodable')
    expect(decodeResyncRequest(encodeResyncRequest([]))).toBe('malformed document list')
    expect(decodeResyncRequest(encodeResyncRequest(['not a doc']))).toBe('invalid document ID')
  })
})
