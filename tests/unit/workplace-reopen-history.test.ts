import { next as Automerge } from '@automerge/automerge/slim'
import { afterEach, describe, expect, it } from 'vitest'
import { RecordOrigins } from '../../src/crdt/authorship/record-origins.ts'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import type { RootDoc } from '../../src/crdt/workplace/root-doc.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import type { Identity } from '../../src/peer/identity/identity.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

/** One device's start: a stack over storage that outlives it, as IndexedDB does a page. */
function start(device: {
  identity: Identity
  storage: MemoryStorageAdapter
  list: ReturnType<typeof createMemoryWorkplaceList>
  records: ReturnType<typeof createMemoryRecordStore>
}): WorkplaceStack {
  const stack = createWorkplaceStack({
    identity: device.identity,
    mesh: new MemoryMeshHub().add(device.identity.peerId),
    storage: device.storage,
    list: device.list,
    records: device.records,
    displayName: () => 'Ann',
  })
  stacks.push(stack)
  return stack
}

/** A device's identity and stores, kept across the stacks a test starts on it. */
async function newDevice() {
  return {
    identity: await createTestIdentity(),
    storage: new MemoryStorageAdapter(),
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
  }
}

// A returning member's page read the root's whole history again on every start to show the
// workplace's name (the owners' records ever written): seconds of main thread once the root
// held tens of thousands of changes, enough that the page could not be clicked for 15 s.
describe('a reopened workplace reads only the history added since it was last open', () => {
  it('does not decode again the changes it read on its last visit', async () => {
    const device = await newDevice()
    const first = start(device)
    const acme = await first.workplaces.create('Acme')
    await acme.setName('Acme Bakery')
    for (let i = 0; i < 2000; i++) {
      acme.handle.change((doc) => {
        doc.description = `change ${i}`
      })
    }
    await until(() => acme.name === 'Acme Bakery', 'the signed name to read as genuine')
    expect(acme.historyChangesRead).toBeGreaterThan(2000)
    await first.shutdown()
    stacks.splice(stacks.indexOf(first), 1)

    const again = start(device)
    await again.workplaces.load()
    const reopened = again.workplaces.get(acme.id)!
    for (let i = 0; i < 10; i++) {
      reopened.handle.change((doc: RootDoc) => {
        doc.description = `later ${i}`
      })
    }
    // (A read starts the signature checks it needs; the name shows once they are done.)
    await until(() => reopened.name === 'Acme Bakery', 'the reopened workplace to show its name')
    expect(reopened.historyChangesRead).toBeLessThan(50)
  })

  it('takes up its snapshot after a stop with no shutdown (a closed page)', async () => {
    const device = await newDevice()
    const first = start(device)
    const acme = await first.workplaces.create('Acme')
    await acme.setName('Acme Bakery')
    await until(() => acme.name === 'Acme Bakery', 'the signed name to read as genuine')
    for (let i = 0; i < 2000; i++) {
      acme.handle.change((doc) => {
        doc.description = `change ${i}`
      })
    }
    // Read right after the changes, before the repo's own (delayed) save of the document.
    void acme.name
    const key = ['peerplace-record-origins', acme.handle.documentId, 'about']
    await until(async () => (await device.storage.load(key)) !== undefined, 'the snapshot saved')
    // The first device is left as a closed page leaves it: nothing more is written.
    const again = start(device)
    await again.workplaces.load()
    const reopened = again.workplaces.get(acme.id)!
    await until(() => reopened.name === 'Acme Bakery', 'the reopened workplace to show its name')
    expect(reopened.historyChangesRead).toBeLessThan(50)
  })
})

describe('a history reader taking up a snapshot', () => {
  type Doc = { about?: Record<string, Record<string, { v: string }>> }
  /** The owners' records ever written under `about.name`, as readAbout takes them. */
  const owners = (reader: RecordOrigins, doc: Automerge.Doc<Doc>) =>
    reader
      .parts(doc, 'name')
      .filter((p) => p.path.length === 1)
      .map((p) => [p.path, p.now])
  const withRecord = () =>
    Automerge.change(Automerge.init<Doc>(), (d) => {
      d.about = { name: { owner: { v: 'Acme' } } }
    })

  it('still finds a record removed after the snapshot was taken', () => {
    let doc = withRecord()
    const before = new RecordOrigins('about', [])
    expect(owners(before, doc)).toHaveLength(1)
    const snapshot = JSON.parse(JSON.stringify(before.snapshot())) as unknown
    doc = Automerge.change(doc, (d) => {
      delete d.about!['name']!['owner']
    })
    const after = new RecordOrigins('about', [])
    expect(after.restore(doc, snapshot)).toBe(true)
    expect(owners(after, doc)).toEqual([[['owner'], { v: 'Acme' }]])
    expect(after.changesRead).toBe(1)
  })

  it('refuses a snapshot of heads the document does not hold, or of another reader', () => {
    const elsewhere = withRecord()
    const reader = new RecordOrigins('about', [])
    reader.parts(elsewhere, 'name')
    const snapshot = reader.snapshot()
    const other = withRecord()
    expect(new RecordOrigins('about', []).restore(other, snapshot)).toBe(false)
    expect(new RecordOrigins('profiles', []).restore(elsewhere, snapshot)).toBe(false)
    expect(new RecordOrigins('about', []).restore(elsewhere, { ...snapshot, heads: 7 })).toBe(false)
    const fresh = new RecordOrigins('about', [])
    expect(owners(fresh, other)).toHaveLength(1)
    expect(fresh.changesRead).toBe(1)
  })
})
