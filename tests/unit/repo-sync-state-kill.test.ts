import { next as Automerge } from '@automerge/automerge'
import type { StorageKey } from '@automerge/automerge-repo'
import { afterEach, expect, it } from 'vitest'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { createTestDevice, linkTo } from '../support/test-device.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

type Stored = Map<string, { key: StorageKey; data: Uint8Array }>

/** Storage that keeps what it held after each write: where a process killed then would restart. */
class RecordingStorage extends MemoryStorageAdapter {
  readonly copies: { after: string; held: Stored }[] = []
  readonly #held: Stored = new Map()
  constructor(from?: Stored) {
    super()
    for (const entry of from?.values() ?? []) void super.save(entry.key, entry.data)
    for (const [id, entry] of from ?? []) this.#held.set(id, entry)
  }
  override async save(key: StorageKey, data: Uint8Array): Promise<void> {
    await super.save(key, data)
    this.#held.set(JSON.stringify(key), { key: [...key], data })
    this.copies.push({ after: key[1] ?? '', held: new Map(this.#held) })
  }
  override async remove(key: StorageKey): Promise<void> {
    await super.remove(key)
    this.#held.delete(JSON.stringify(key))
    this.copies.push({ after: 'remove', held: new Map(this.#held) })
  }
}

/** The heads a kept sync state names that the kept document lacks. */
function aheadOfDocument(held: Stored, documentId: string): string[] {
  const entries = [...held.values()].filter(({ key }) => key[0] === documentId)
  let doc = Automerge.init<unknown>()
  for (const { key, data } of entries) {
    if (key[1] === 'snapshot' || key[1] === 'incremental')
      doc = Automerge.loadIncremental(doc, data)
  }
  const missing: string[] = []
  for (const { key, data } of entries) {
    if (key[1] !== 'sync-state') continue
    for (const head of Automerge.decodeSyncState(data).sharedHeads) {
      if (!Automerge.hasHeads(doc, [head])) missing.push(head)
    }
  }
  return missing
}

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

// A process killed mid-sync (the keeper, SIGKILL while a member wrote) came back with the sync
// state it had written for the member but without the changes that state said it shared, as
// the document was saved later: it was then sent only what followed them and never caught up.
it('a device killed mid-sync keeps no sync state ahead of its document, and catches up when reopened', async () => {
  const hub = new MemoryMeshHub({ dial: false })
  const ann = await createTestDevice(hub, 'Ann')
  stacks.push(ann.stack)
  const list = createMemoryWorkplaceList()
  const records = createMemoryRecordStore()
  const bob = await createTestIdentity()
  const start = (storage: MemoryStorageAdapter, identity: Identity = bob) => {
    const port = hub.add(identity.peerId)
    const stack = createWorkplaceStack({
      identity,
      mesh: port,
      storage,
      list,
      records,
      displayName: () => 'Bob',
    })
    port.authorize = (peer) => stack.workplaces.authorizeLink(peer)
    stacks.push(stack)
    return stack
  }

  const acme = await ann.stack.workplaces.create('Acme')
  const storage = new RecordingStorage()
  const first = start(storage)
  hub.link(ann.identity.peerId, bob.peerId)
  first.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
  await until(() => first.workplaces.get(acme.id)?.isMember(bob.peerId), 'Bob to join')
  const heads = (stack: WorkplaceStack) =>
    stack.workplaces.get(acme.id)?.handle.heads().join() ?? ''
  // Ann writes in bursts while Bob is linked; Bob stores as it syncs.
  for (let burst = 0; burst < 8; burst++) {
    for (let i = 0; i < 40; i++) acme.handle.change((d) => void (d.description = `${burst} ${i}`))
    await new Promise((resolve) => setTimeout(resolve, 60))
  }
  await until(() => heads(first) === acme.handle.heads().join(), 'Bob to keep up')
  await new Promise((resolve) => setTimeout(resolve, 300))
  const documentId = acme.handle.documentId
  const kept = storage.copies.filter((c) => c.after === 'sync-state')
  expect(kept.length, 'sync states are kept').toBeGreaterThan(0)
  for (const { held } of storage.copies) expect(aheadOfDocument(held, documentId)).toEqual([])

  // Killed right after a sync state was written, at four points of the sync: reopened, Bob
  // catches up with everything, also what Ann wrote while it was away.
  hub.remove(bob.peerId)
  stacks.splice(stacks.indexOf(first), 1)
  await first.shutdown().catch(() => undefined)
  for (let i = 0; i < 40; i++) acme.handle.change((d) => void (d.description = `away ${i}`))
  const points = [1, 2, 3, 4].map((q) => kept[Math.ceil((kept.length * q) / 4) - 1]!)
  for (const [n, { held }] of points.entries()) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const again = start(new RecordingStorage(held))
    hub.link(ann.identity.peerId, bob.peerId)
    await again.workplaces.load()
    await until(
      () => heads(again) === acme.handle.heads().join(),
      `Bob reopened (${n}) to catch up`,
      5000,
    )
    hub.remove(bob.peerId)
    stacks.splice(stacks.indexOf(again), 1)
    await again.shutdown()
  }
})
