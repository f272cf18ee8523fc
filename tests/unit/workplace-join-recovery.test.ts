import { afterEach, describe, expect, it } from 'vitest'
import type { JoinStatus } from '../../src/crdt/workplace/join-flow.ts'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { joinWords } from '../../src/ui/workplace/join-words.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'

/** Upper bound for each wait: generous, as the machine running the tests may be busy. */
const WAIT_MS = 15_000

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

async function device(hub: MemoryMeshHub, name: string): Promise<TestDevice> {
  const created = await createTestDevice(hub, name)
  stacks.push(created.stack)
  return created
}

const stateOf = (dev: TestDevice, workplace: string) => dev.stack.joins.status(workplace)?.state

describe('joining never strands anyone', { timeout: 60_000 }, () => {
  it('explains the wait, can be cancelled and retried, and its banner clears', async () => {
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const link = linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 10 }))
    // Ann's device is not reachable (say, closed): Bob has nobody to ask.
    const authorize = a!.port.authorize
    a!.port.authorize = () => false
    b!.stack.joins.start(link)
    const waiting = b!.stack.joins.status(acme.id)
    expect(waiting).toMatchObject({
      state: 'connecting',
      progress: { reached: 0, rounds: 1, decidedBy: 'member' },
    })
    if (waiting?.state !== 'connecting') throw new Error('Bob is not looking for members')
    const words = joinWords(waiting, waiting.progress.since)
    expect(words.detail).toMatch(/Any member of Acme can let you in/)
    expect(words.detail).toMatch(/one of them must have Peerplace open/)
    expect(words.detail).toMatch(/No member is online yet/)

    b!.stack.joins.cancel(acme.id)
    expect(stateOf(b!, acme.id)).toBe('cancelled')
    // Ann comes back; a cancelled join does not go on by itself.
    a!.port.authorize = authorize
    hub.settle()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(stateOf(b!, acme.id)).toBe('cancelled')
    expect(b!.stack.workplaces.get(acme.id)).toBeUndefined()

    b!.stack.joins.retry(acme.id)
    await until(() => stateOf(b!, acme.id) === 'joined', 'Bob to join on retry', WAIT_MS)
    const cleared: string[] = []
    b!.stack.joins.on('cleared', (id) => cleared.push(id))
    b!.stack.joins.dismiss(acme.id)
    expect(b!.stack.joins.status(acme.id)).toBeUndefined()
    expect(cleared).toEqual([acme.id])
  })

  it('offers to ask the owners when an invite is used up, and that request gets in', async () => {
    const hub = new MemoryMeshHub()
    const [a, d, e] = await Promise.all(['Ann', 'Dee', 'Eve'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const single = linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 }))
    d!.stack.joins.start(single)
    await until(() => d!.stack.workplaces.get(acme.id), 'Dee to join', WAIT_MS)
    e!.stack.joins.start(single)
    const refused = await until(
      () => {
        const s = e!.stack.joins.status(acme.id)
        return s?.state === 'refused' ? s : undefined
      },
      'Eve to be refused',
      WAIT_MS,
    )
    expect(refused).toMatchObject({ code: 'used', canAsk: true })

    e!.stack.joins.askInstead(acme.id)
    expect(e!.stack.joins.status(acme.id)).toMatchObject({
      state: 'asking',
      progress: { decidedBy: 'owner' },
    })
    await until(
      () => a!.stack.joins.requests(acme.id).length === 1,
      'Ann to see Eve asking',
      WAIT_MS,
    )
    await a!.stack.joins.approve(acme.id, e!.identity.peerId)
    await until(() => stateOf(e!, acme.id) === 'joined', 'Eve to join by asking', WAIT_MS)
  })

  it('does not offer asking when the owners already said no', async () => {
    const hub = new MemoryMeshHub()
    const [a, c] = await Promise.all(['Ann', 'Cy'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    c!.stack.joins.start(linkTo(acme))
    await until(
      () => a!.stack.joins.requests(acme.id).length === 1,
      'Ann to see Cy asking',
      WAIT_MS,
    )
    a!.stack.joins.deny(acme.id, c!.identity.peerId)
    const refused = await until(
      () => {
        const s: JoinStatus | undefined = c!.stack.joins.status(acme.id)
        return s?.state === 'refused' ? s : undefined
      },
      'Cy to be told',
      WAIT_MS,
    )
    expect(refused).toMatchObject({ code: 'denied', canAsk: false })
  })
})
