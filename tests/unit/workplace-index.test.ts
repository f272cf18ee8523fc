import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

async function device() {
  const identity = await createTestIdentity()
  const list = createMemoryWorkplaceList()
  const stack = createWorkplaceStack({
    identity,
    mesh: new MemoryMeshHub().add(identity.peerId),
    list,
    records: createMemoryRecordStore(),
    displayName: () => 'Ann',
  })
  stacks.push(stack)
  return { list, stack }
}

// The index is what the next start paints before Automerge's wasm is there.
describe('the workplace index kept beside the documents', () => {
  it('lists a workplace when it is created, under its current name after a rename', async () => {
    const { list, stack } = await device()
    const acme = await stack.workplaces.create('Acme')
    expect((await list.all()).map((e) => [e.id, e.name])).toEqual([[acme.id, 'Acme']])

    acme.setName('Acme Bakery')
    await until(
      async () => (await list.all())[0]?.name === 'Acme Bakery',
      'the index to show the new name',
    )
    expect(await list.all()).toHaveLength(1)
  })

  it('forgets a workplace that was left, and a later change does not bring it back', async () => {
    const { list, stack } = await device()
    const acme = await stack.workplaces.create('Acme')
    await stack.workplaces.forget(acme.id)
    expect(await list.all()).toEqual([])
    acme.setName('Still here?')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await list.all()).toEqual([])
  })
})
