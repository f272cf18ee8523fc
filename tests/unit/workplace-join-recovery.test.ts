import { afterEach, describe, expect, it } from 'vitest'
import type { JoinStatus } from '../../src/crdt/workplace/join-flow.ts'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { joinWords } from '../../src/ui/workplace/join-words.ts'
import {
  JOIN_CHANNEL,
  encodeJoinMessage,
  type JoinMessage,
} from '../../src/crdt/workplace/join-protocol.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
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

describe(
  'a workplace admitted into arrives even when its root is late',
  { timeout: 60_000 },
  () => {
    it('waits for the root while the admitting member is not linked yet', async () => {
      const hub = new MemoryMeshHub()
      const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
      const acme = await a!.stack.workplaces.create('Acme')
      const bob = b!.identity.peerId
      const authorize = a!.port.authorize
      a!.port.authorize = () => false
      await acme.admit(bob, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 }))
      hub.settle()
      expect(hub.linked(a!.identity.peerId, bob)).toBe(false)

      // Bob is told he is in (say, the link that carried the answer then dropped) and asks the
      // repo for the root while nobody can give it: the repo calls it unavailable at once.
      const adopting = b!.stack.workplaces.adopt(
        acme.id,
        acme.handle.url,
        'Acme',
        a!.identity.peerId,
      )
      const settled = adopting.then(
        () => 'opened',
        (error: Error) => error.message,
      )
      await new Promise((resolve) => setTimeout(resolve, 300))
      a!.port.authorize = authorize
      hub.link(a!.identity.peerId, bob)
      expect(await settled).toBe('opened')
      const opened = b!.stack.workplaces.get(acme.id)
      expect(opened?.isMember(bob)).toBe(true)
      expect(opened?.name).toBe('Acme')
    })

    it('takes the root from another member that let it in when the first goes quiet', async () => {
      const hub = new MemoryMeshHub()
      const [a, b, c] = await Promise.all(['Ann', 'Bob', 'Cy'].map((n) => device(hub, n)))
      const [ann, bob, cy] = [a!, b!, c!].map((d) => d.identity.peerId) as [PeerId, PeerId, PeerId]
      const acme = await a!.stack.workplaces.create('Acme')
      const link = linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 3 }))
      c!.stack.joins.start(link)
      await until(() => stateOf(c!, acme.id) === 'joined', 'Cy to join', WAIT_MS)

      // Cy's own answer to Bob is held back; Ann answers, then nothing more of hers reaches Bob.
      let annQuiet = false
      let cyAnswers = false
      hub.lose = ({ from, to, channel }) =>
        to === bob &&
        ((from === ann && annQuiet) || (from === cy && channel === JOIN_CHANNEL && !cyAnswers))
      b!.stack.joins.on('status', (s) => {
        if (s.state === 'joining') annQuiet = true
      })
      b!.stack.joins.start(link)
      await until(() => stateOf(b!, acme.id) === 'joining', 'Ann to let Bob in', WAIT_MS)
      await until(
        () => c!.stack.workplaces.get(acme.id)?.isMember(bob),
        'Cy to learn Bob is a member',
        WAIT_MS,
      )
      cyAnswers = true
      const answer = {
        t: 'join-accepted',
        workplace: acme.id,
        rootUrl: acme.handle.url,
        name: 'Acme',
      }
      c!.port.send(bob, JOIN_CHANNEL, encodeJoinMessage(answer as JoinMessage))
      await until(() => stateOf(b!, acme.id) === 'joined', 'Bob to join from Cy', WAIT_MS)
    })

    it('gives up with a clear error when nobody serves the root in time', async () => {
      const hub = new MemoryMeshHub()
      const [a] = await Promise.all(['Ann'].map((n) => device(hub, n)))
      const list = createMemoryWorkplaceList()
      const b = await createTestDevice(hub, 'Bob', { rootWaitMs: 1_000, list })
      stacks.push(b.stack)
      const acme = await a!.stack.workplaces.create('Acme')
      const started = Date.now()
      await expect(
        b.stack.workplaces.adopt(acme.id, acme.handle.url, 'Acme', a!.identity.peerId),
      ).rejects.toThrow(/did not arrive within 1 s/)
      expect(Date.now() - started).toBeLessThan(5_000)
      // Nothing is left behind: the workplace is neither open nor listed.
      expect(b.stack.workplaces.get(acme.id)).toBeUndefined()
      expect(b.stack.workplaces.list()).toEqual([])
      expect(await list.all()).toEqual([])
    })
  },
)
