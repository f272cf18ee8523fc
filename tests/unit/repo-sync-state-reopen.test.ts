import { next as Automerge } from '@automerge/automerge'
import { cbor, type DocHandle, type Message } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'
import { SyncStateKeeper } from '../../src/crdt/repo/sync-state-keeper.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { repoOverMesh } from '../support/memory-repo.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { until } from '../support/until.ts'

const [OWNER, MEMBER] = ['OOOO', 'MMMM'] as [PeerId, PeerId]
const OPEN = { mayExchange: () => true, mayPeer: () => true }
const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

type Doc = { description?: string }

/** A device's repo over the hub with storage that outlives it, as IndexedDB outlives a page. */
function device(hub: MemoryMeshHub, self: PeerId, storage: MemoryStorageAdapter) {
  const { repo } = repoOverMesh(hub.add(self), self, OPEN, storage)
  const keeper = new SyncStateKeeper(repo)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await keeper.close()
    await repo.shutdown()
    hub.remove(self)
  }
  cleanup.push(close)
  return { repo, close }
}

const heads = (handle: DocHandle<Doc> | undefined) =>
  handle?.isReady() ? Automerge.getHeads(handle.doc()).join() : ''

function write(handle: DocHandle<Doc>, count: number, label: string) {
  for (let i = 0; i < count; i++) handle.change((d) => void (d.description = `${label} ${i}`))
}

/** The repo messages about one document, decoded, in the order they were sent. */
function tap(hub: MemoryMeshHub) {
  const messages: { from: PeerId; sync: Automerge.DecodedSyncMessage }[] = []
  hub.lose = ({ from, channel, data }) => {
    if (channel !== REPO_CHANNEL) return false
    const message = cbor.decode(data) as Message
    if ((message.type === 'sync' || message.type === 'request') && message.data) {
      messages.push({ from, sync: Automerge.decodeSyncMessage(message.data) })
    }
    return false
  }
  return messages
}

// Each reopened page started its sync with every member from nothing: its first message
// offered a Bloom filter of the document's whole history, the other side had to test its whole
// history against it, and each change the filter wrongly counted as held cost another round
// trip. automerge-repo keeps a peer's sync state only for peers with a storage ID, which the
// app's network adapter did not give.
describe('a device that reopens after others made changes', () => {
  it('takes up its sync where it left off and is sent just the changes it missed', async () => {
    const hub = new MemoryMeshHub({ dial: false })
    const memberStorage = new MemoryStorageAdapter()
    const owner = device(hub, OWNER, new MemoryStorageAdapter())
    let member = device(hub, MEMBER, memberStorage)
    hub.link(OWNER, MEMBER)
    const onOwner = owner.repo.create<Doc>({})
    write(onOwner, 300, 'before')
    const onMember = await member.repo.find<Doc>(onOwner.url)
    await until(() => heads(onMember) === heads(onOwner), 'the member to sync at first')
    const left = Automerge.getHeads(onMember.doc())
    await member.close()

    write(onOwner, 1000, 'away')
    const messages = tap(hub)
    member = device(hub, MEMBER, memberStorage)
    const back = await member.repo.find<Doc>(onOwner.url)
    hub.link(OWNER, MEMBER)
    await until(() => heads(back) === heads(onOwner), 'the member to catch up', 10_000)

    // Its first message says what it shares with the owner, with no filter of its history.
    const first = messages.find(({ from }) => from === MEMBER)!
    expect(first.sync.have[0]?.lastSync).toEqual(left)
    expect(first.sync.have[0]?.bloom.byteLength ?? 0).toBeLessThan(16)
    // The owner answers it with the changes made since, in one message; what follows only
    // confirms (automerge-repo answers a message from the document as it was before it, so the
    // member asks once more for the owner's heads, which it holds by then).
    const withChanges = messages.filter(({ sync }) => sync.changes.length > 0)
    expect(withChanges).toHaveLength(1)
    expect(withChanges[0]!.from).toBe(OWNER)
    expect(messages.length).toBeLessThanOrEqual(7)
  }, 20_000)

  it('keeps the sync state of every document it synced with a peer, not one of them', async () => {
    const hub = new MemoryMeshHub({ dial: false })
    const storage = new MemoryStorageAdapter()
    const owner = device(hub, OWNER, new MemoryStorageAdapter())
    const member = device(hub, MEMBER, storage)
    hub.link(OWNER, MEMBER)
    const docs = Array.from({ length: 5 }, (_, i) =>
      owner.repo.create<Doc>({ description: `${i}` }),
    )
    const found = await Promise.all(docs.map((d) => member.repo.find<Doc>(d.url)))
    await until(
      () => found.every((d, i) => heads(d) === heads(docs[i])),
      'the member to sync every document',
    )
    await member.close()
    const kept = await storage.loadRange([])
    for (const doc of docs) {
      const state = kept.find(({ key }) => key[0] === doc.documentId && key[1] === 'sync-state')
      expect(state?.data, `the sync state of ${doc.documentId}`).toBeDefined()
      expect(Automerge.decodeSyncState(state!.data!).sharedHeads).toEqual(
        Automerge.getHeads(doc.doc()),
      )
    }
  })
})
