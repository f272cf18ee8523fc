import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createMemoryRecordStore,
  type RecordStore,
} from '../../src/crdt/membership/record-store.ts'
import { randomId, recordId, signRecord } from '../../src/crdt/membership/sign.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

/** A record store whose writes fail while `failing` is set (a full or closing IndexedDB). */
function flakyRecords(): RecordStore & { failing: boolean; failed: number } {
  const inner = createMemoryRecordStore()
  const store = {
    failing: false,
    failed: 0,
    all: (workplace: string) => inner.all(workplace),
    put: async (...args: Parameters<RecordStore['put']>) => {
      if (store.failing) {
        store.failed++
        throw new Error('the record store is full')
      }
      return inner.put(...args)
    },
  }
  return store
}

describe('a workplace whose membership records could once not be stored', () => {
  it('still reconciles and appends records afterwards', async () => {
    const identity = await createTestIdentity()
    const records = flakyRecords()
    const stack = createWorkplaceStack({
      identity,
      mesh: new MemoryMeshHub().add(identity.peerId),
      storage: new MemoryStorageAdapter(),
      list: createMemoryWorkplaceList(),
      records,
      displayName: () => 'Ann',
    })
    stacks.push(stack)
    const acme = await stack.workplaces.create('Acme')
    const invites = acme.invites().length

    // A valid record arrives in the document (as by sync) while the store refuses writes.
    const record = await signRecord(identity, {
      kind: 'invite',
      workplace: acme.id,
      clock: acme.membership.clock + 1,
      at: Date.now(),
      inviteId: randomId(),
      expiresAt: Date.now() + 60_000,
      maxUses: 1,
    })
    const id = await recordId(record)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    records.failing = true
    acme.handle.change((d) => {
      d.records[id] = structuredClone(record)
    })
    await until(() => records.failed > 0, 'the failed write', 2000)
    records.failing = false

    await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })
    // The record the store refused is taken in by the pass that the new invite's change starts.
    await until(() => acme.invites().length === invites + 2, 'both invites', 2000)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('not reconciled'), expect.any(Error))
  })
})
