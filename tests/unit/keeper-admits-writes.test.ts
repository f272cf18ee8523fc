import { afterEach, describe, expect, it } from 'vitest'
import { DOCUMENT_KINDS } from '../../src/app/document-kinds.ts'
import { SyncerFirst } from '../../src/crdt/sync/syncer-first.ts'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'

/** Upper bound for each wait: generous, as the machine running the tests may be busy. */
const WAIT_MS = 15_000

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

async function device(
  hub: MemoryMeshHub,
  name: string,
  options: Parameters<typeof createTestDevice>[2] = {},
): Promise<TestDevice> {
  const created = await createTestDevice(hub, name, options)
  stacks.push(created.stack)
  return created
}

const headsOf = (dev: TestDevice, workplace: string) =>
  [...(dev.stack.workplaces.get(workplace)?.handle.heads() ?? [])].sort().join()

describe('writes made right after being admitted', { timeout: 60_000 }, () => {
  it('reach the member who admitted us without a later change', async () => {
    const hub = new MemoryMeshHub()
    const kinds = { kinds: DOCUMENT_KINDS }
    const ann = await device(hub, 'Ann', kinds)
    // As the keeper: every document kind, the Syncer-first gate.
    const kim = await device(hub, 'Kim', {
      ...kinds,
      gate: (self, stack) =>
        new SyncerFirst({
          self,
          presence: hub.meshes.get(self)!.presence,
          workplaces: () => stack().workplaces.list(),
        }),
    })
    // As the benchmark's writer: no document kinds of its own.
    const wes = await device(hub, 'Wes')
    const acme = await ann.stack.workplaces.create('Acme')
    const forKim = await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })
    const forWes = await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })
    kim.stack.joins.start(linkTo(acme, forKim))
    const kimAcme = await until(() => kim.stack.workplaces.get(acme.id), 'Kim to join', WAIT_MS)
    await Promise.all([...DOCUMENT_KINDS.keys()].map((kind) => kimAcme.openDoc(kind)))
    await until(
      () => headsOf(kim, acme.id) === headsOf(ann, acme.id),
      'Kim to hold what Ann holds',
      WAIT_MS,
    )
    // Ann goes away; Kim, the only member online, admits Wes with the invite Ann made.
    hub.remove(ann.identity.peerId)
    wes.stack.joins.start({ ...linkTo(acme, forWes), peers: [kim.identity.peerId] })
    const mine = await until(() => wes.stack.workplaces.get(acme.id), 'Wes to join', WAIT_MS)
    for (let i = 0; i < 50; i++) mine.handle.change((doc) => void (doc.description = `w${i}`))
    // Joining also writes Wes's signed display name, once signed: often after these changes.
    // So Kim must come to hold whatever Wes holds, not the heads of this moment.
    await until(
      () =>
        headsOf(kim, acme.id) === headsOf(wes, acme.id) &&
        mine.members().some((m) => m.name === 'Wes'),
      'Kim to hold the changes Wes made on joining, and his signed name',
      WAIT_MS,
    )
    expect(kimAcme.handle.doc()?.description).toBe('w49')
    await until(
      () => kimAcme.members().some((m) => m.peer === wes.identity.peerId && m.name === 'Wes'),
      'Kim to see Wes’s signed name',
      WAIT_MS,
    )
  })
})
