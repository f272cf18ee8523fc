import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseAutomergeUrl, type AutomergeUrl } from '@automerge/automerge-repo'
import { signRecord } from '../../src/crdt/membership/sign.ts'
import type { SignedRecord } from '../../src/crdt/membership/record.ts'
import type { Workplace } from '../../src/crdt/workplace/workplace.ts'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { joinGroup, reachLinkMembers } from '../../src/crdt/workplace/link-members.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { until } from '../support/until.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { REPO_CHANNEL } from '../../src/crdt/repo/mesh-network-adapter.ts'

type Device = TestDevice

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
  vi.useRealTimers()
})

async function device(hub: MemoryMeshHub, name: string): Promise<Device> {
  const created = await createTestDevice(hub, name)
  stacks.push(created.stack)
  return created
}

function link(wp: Workplace, invite?: SignedRecord) {
  return linkTo(wp, invite)
}

const memberNames = (wp: Workplace | undefined) =>
  wp
    ?.members()
    .map((m) => m.name)
    .sort() ?? []

describe('joining a workplace', () => {
  it('admits by invite link, approves and denies join requests', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, c, d] = await Promise.all(['Ann', 'Bob', 'Cy', 'Dee'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    expect(acme.isOwner(a!.identity.peerId)).toBe(true)

    b!.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join')
    expect(bAcme.name).toBe('Acme')
    await until(() => memberNames(bAcme).join() === 'Ann,Bob', 'B to see the members')
    expect(b!.stack.joins.status(acme.id)?.state).toBe('joined')

    c!.stack.joins.start(link(acme))
    await until(() => a!.stack.joins.requests(acme.id).length === 1, 'A to see C asking')
    expect(a!.stack.joins.requests(acme.id)[0]!.name).toBe('Cy')
    await a!.stack.joins.approve(acme.id, c!.identity.peerId)
    const cAcme = await until(() => c!.stack.workplaces.get(acme.id), 'C to join')
    await until(() => memberNames(cAcme).join() === 'Ann,Bob,Cy', 'C to see all members')

    d!.stack.joins.start(link(acme))
    await until(() => a!.stack.joins.requests(acme.id).length === 1, 'A to see D asking')
    a!.stack.joins.deny(acme.id, d!.identity.peerId)
    const status = await until(() => {
      const s = d!.stack.joins.status(acme.id)
      return s?.state === 'refused' ? s : undefined
    }, 'D to be told')
    expect(status.code).toBe('denied')
    expect(d!.stack.workplaces.list()).toEqual([])
    expect(acme.isMember(d!.identity.peerId)).toBe(false)
  })

  it('a member opening a link to its own workplace stops dialling the peers the page reached for', async () => {
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    b!.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 2 })))
    await until(() => b!.stack.joins.status(acme.id)?.state === 'joined', 'B to join')

    // The page opened from a link starts reaching its peers before the documents are loaded.
    const again = link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 }))
    reachLinkMembers(b!.port, again)
    expect(b!.port.groups.get(joinGroup(acme.id))).toEqual([a!.identity.peerId])
    b!.stack.joins.start(again)
    expect(b!.stack.joins.status(acme.id)?.state).toBe('joined')
    expect(b!.port.groups.get(joinGroup(acme.id)) ?? []).toEqual([])
  })

  it('lists a workplace being joined while its root document is still on its way', async () => {
    const hub = new MemoryMeshHub()
    const a = await device(hub, 'Ann')
    const list = createMemoryWorkplaceList()
    const b = await createTestDevice(hub, 'Bob', { list })
    stacks.push(b.stack)
    const acme = await a.stack.workplaces.create('Acme')
    // Documents are held on their way to Bob for now: he is admitted but has no root yet.
    const deliver = b.port.deliver.bind(b.port)
    const held: Parameters<typeof deliver>[] = []
    b.port.deliver = (...args) => {
      if (args[1] === REPO_CHANNEL) held.push(args)
      else deliver(...args)
    }
    b.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
    await until(() => b.stack.joins.status(acme.id)?.state === 'joining', 'Bob to be admitted')
    const listed = await until(async () => (await list.all())[0], 'the list entry')
    expect(listed).toMatchObject({ id: acme.id, rootUrl: acme.handle.url, name: 'Acme' })
    expect(b.stack.workplaces.get(acme.id)).toBeUndefined()

    b.port.deliver = deliver
    for (const args of held.splice(0)) deliver(...args)
    await until(() => b.stack.joins.status(acme.id)?.state === 'joined', 'Bob to join', 10_000)
    expect((await list.all()).map((e) => e.id)).toEqual([acme.id])
  })

  it('refuses expired, revoked and used-up invites with a clear message', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, c, d] = await Promise.all(['Ann', 'Bob', 'Cy', 'Dee'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const expired = await acme.createInvite({ expiresInMs: -1, maxUses: 5 })
    const revoked = await acme.createInvite({ expiresInMs: 60_000, maxUses: 5 })
    await acme.revokeInvite((revoked.body as { inviteId: string }).inviteId)
    const single = await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })

    const refusal = (dev: Device) =>
      until(() => {
        const s = dev.stack.joins.status(acme.id)
        return s?.state === 'refused' ? s : undefined
      }, `${dev.name} to be refused`)

    b!.stack.joins.start(link(acme, expired))
    expect((await refusal(b!)).message).toMatch(/expired/)
    c!.stack.joins.start(link(acme, revoked))
    expect((await refusal(c!)).message).toMatch(/revoked/)
    d!.stack.joins.start(link(acme, single))
    await until(() => d!.stack.workplaces.get(acme.id), 'D to join with the single-use invite')
    const e = await device(hub, 'Eve')
    e.stack.joins.start(link(acme, single))
    expect((await refusal(e)).message).toMatch(/already been used/)
    expect([...acme.membership.members.keys()].sort()).toEqual(
      [a!.identity.peerId, d!.identity.peerId].sort(),
    )
  })

  it('is not put off by linked devices that are not in the workplace', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, x] = await Promise.all(['Ann', 'Bob', 'Xi'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    // Bob is already linked to Xi (say, a nearby device) when he opens the invite.
    hub.link(b!.identity.peerId, x!.identity.peerId)
    const seen: string[] = []
    b!.stack.joins.on('status', (status) => seen.push(status.state))
    b!.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
    await until(() => b!.stack.workplaces.get(acme.id), 'B to join')
    expect(b!.stack.joins.status(acme.id)?.state).toBe('joined')
    expect(x!.stack.workplaces.list()).toEqual([])
    expect(seen).not.toContain('refused')
  })

  it('asks again when its first request is lost on the way', async () => {
    // The join's retry (every 4 s) runs on a fake clock; messages and signing take real turns.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    // The link that carried Bob's first request went down before delivering it.
    const deliver = a!.port.deliver.bind(a!.port)
    let dropped = 0
    a!.port.deliver = (from, channel, data) => {
      if (channel === 'wp1' && dropped === 0) dropped++
      else deliver(from, channel, data)
    }
    b!.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
    await until(() => dropped === 1, 'B’s first request to be lost')
    expect(b!.stack.workplaces.get(acme.id)).toBeUndefined()
    vi.advanceTimersByTime(4000)
    await until(() => b!.stack.workplaces.get(acme.id), 'B to join after asking again', 10_000)
    expect(dropped).toBe(1)
  })

  it('gives a non-member nothing, even with the root document ID', async () => {
    const hub = new MemoryMeshHub()
    const [a, m] = await Promise.all(['Ann', 'Mallory'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    hub.link(a!.identity.peerId, m!.identity.peerId)
    const { documentId } = parseAutomergeUrl(acme.handle.url as AutomergeUrl)
    m!.stack.workplaces.trustWhileJoining(documentId, a!.identity.peerId)
    const found = m!.stack.repo.find(acme.handle.url, { signal: AbortSignal.timeout(1500) })
    await expect(found).rejects.toThrow()
    expect(m!.stack.repo.handles[documentId]?.isReady() ?? false).toBe(false)
  })

  it('ignores membership changes that are unsigned or signed by a non-owner', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, c] = await Promise.all(['Ann', 'Bob', 'Cy'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    b!.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join')

    // B, a plain member, writes a signed "add C" and an unsigned "promote B" into the document.
    const forged = await signRecord(b!.identity, {
      kind: 'add',
      subject: c!.identity.peerId,
      workplace: acme.id,
      clock: 50,
      at: Date.now(),
    })
    bAcme.handle.change((doc) => {
      doc.records.forgedadd = structuredClone(forged)
      doc.records.unsigned = {
        body: { ...forged.body, kind: 'promote', subject: b!.identity.peerId },
        sig: 'AAAA',
      } as never
      doc.name = 'Renamed by Bob'
    })
    await until(() => acme.doc?.name === 'Renamed by Bob', 'A to receive B’s change')
    await acme.reconcile()
    // Only an owner's signed record renames the workplace.
    expect(acme.name).toBe('Acme')
    expect(acme.isMember(c!.identity.peerId)).toBe(false)
    expect(acme.membership.members.get(b!.identity.peerId)).toBe('member')
    expect(bAcme.isMember(c!.identity.peerId)).toBe(false)
  })

  it('refuses a removed member’s links and stops sharing with it', async () => {
    const hub = new MemoryMeshHub()
    const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    b!.stack.joins.start(link(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join')
    await acme.remove(b!.identity.peerId)
    await until(() => !hub.linked(a!.identity.peerId, b!.identity.peerId), 'A to drop B’s link')
    hub.link(a!.identity.peerId, b!.identity.peerId)
    expect(hub.linked(a!.identity.peerId, b!.identity.peerId)).toBe(false)
    await acme.setDescription('after the removal')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(bAcme.description).toBe('')
  })
})
