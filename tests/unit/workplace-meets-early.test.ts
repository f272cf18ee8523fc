import type { Chunk, StorageKey } from '@automerge/automerge-repo'
import { afterEach, expect, it } from 'vitest'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { workplaceTopic } from '../../src/crdt/workplace/workplaces.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

/** Storage whose document loads wait, once `hold` is set, until `release` (a slow load). */
class SlowStorage extends MemoryStorageAdapter {
  hold = false
  #waiting: (() => void)[] = []
  release(): void {
    this.hold = false
    for (const go of this.#waiting.splice(0)) go()
  }
  override async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    if (this.hold && prefix.length === 2) await new Promise<void>((go) => this.#waiting.push(go))
    return super.loadRange(prefix)
  }
}

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

// A returning member's page dialled its workplace's members only once the root document had
// loaded (a second or more for a long history); the signed membership log names them sooner.
it('meets a stored workplace’s members while its document is still loading', async () => {
  const identity = await createTestIdentity()
  const storage = new SlowStorage()
  const list = createMemoryWorkplaceList()
  const records = createMemoryRecordStore()
  const start = () => {
    const mesh = new MemoryMeshHub().add(identity.peerId)
    const stack = createWorkplaceStack({
      identity,
      mesh,
      storage,
      list,
      records,
      displayName: () => 'Ann',
    })
    stacks.push(stack)
    return { stack, mesh }
  }
  const first = start()
  const acme = await first.stack.workplaces.create('Acme')
  await first.stack.shutdown()
  stacks.splice(0)

  storage.hold = true
  const again = start()
  const loading = again.stack.workplaces.load()
  await until(() => again.mesh.topics.has(workplaceTopic(acme.id)), 'the workplace’s topic joined')
  expect(again.mesh.groups.get(acme.id)).toEqual([])
  expect(again.stack.workplaces.get(acme.id)).toBeUndefined()
  storage.release()
  await loading
  expect(again.stack.workplaces.get(acme.id)?.name).toBe('Acme')
})
