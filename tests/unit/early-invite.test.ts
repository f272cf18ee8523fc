import { afterEach, describe, expect, it, vi } from 'vitest'
import { EarlyInvite } from '../../src/crdt/workplace/early-invite.ts'
import { reachLinkMembers } from '../../src/crdt/workplace/link-members.ts'
import { JOIN_CHANNEL, decodeJoinMessage } from '../../src/crdt/workplace/join-protocol.ts'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo, type TestDevice } from '../support/test-device.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
  vi.restoreAllMocks()
})

async function device(hub: MemoryMeshHub, name: string, options = {}): Promise<TestDevice> {
  const created = await createTestDevice(hub, name, options)
  stacks.push(created.stack)
  return created
}

/** Counts the join messages of type `t` sent on the hub. */
function countSent(hub: MemoryMeshHub, t: string): () => number {
  let count = 0
  hub.lose = (message) => {
    if (message.channel !== JOIN_CHANNEL) return false
    const decoded = decodeJoinMessage(message.data)
    if (!(decoded instanceof Error) && decoded.t === t) count++
    return false
  }
  return () => count
}

/** A page opened from `link`: on the mesh, its invite presented, no documents yet. */
async function pageFromLink(hub: MemoryMeshHub, link: ReturnType<typeof linkTo>) {
  const identity = await createTestIdentity()
  const port = hub.add(identity.peerId)
  reachLinkMembers(port, link)
  const early = new EarlyInvite(port, link, () => 'Bob')
  hub.settle()
  return { identity, port, early }
}

describe('an invite presented before the documents load', () => {
  it('is accepted by the member meanwhile, and the join flow takes the answer over', async () => {
    const hub = new MemoryMeshHub()
    const a = await device(hub, 'Ann')
    const acme = await a.stack.workplaces.create('Acme')
    const invite = await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })
    const link = linkTo(acme, invite)
    const presented = countSent(hub, 'invite-join')
    const page = await pageFromLink(hub, link)

    // No stack on Bob's side yet: the member checked the invite and admitted him all the same.
    await until(() => acme.isMember(page.identity.peerId), 'Ann to admit Bob')
    const inviteId = (invite.body as { inviteId: string }).inviteId
    expect(acme.membership.invites.get(inviteId)?.uses).toBe(1)

    const b = await device(hub, 'Bob', { peer: page, earlyJoins: page.early })
    const seen: string[] = []
    b.stack.joins.on('status', (status) => seen.push(status.state))
    b.stack.joins.start(link)
    // The answer that came before the flow existed lets Bob in at once, without asking again.
    expect(b.stack.joins.status(acme.id)?.state).toBe('joining')
    const bAcme = await until(() => b.stack.workplaces.get(acme.id), 'Bob to join')
    await until(() => b.stack.joins.status(acme.id)?.state === 'joined', 'Bob’s join to finish')
    await until(
      () =>
        bAcme
          .members()
          .map((m) => m.name)
          .sort()
          .join() === 'Ann,Bob',
      'Bob to see both members',
    )
    expect(presented()).toBe(1)
    expect(seen).not.toContain('refused')
    expect(acme.membership.invites.get(inviteId)?.uses).toBe(1)
    // Taken once: a second start has nothing early left to hand over.
    expect(page.early.take(acme.id)).toBeUndefined()
  })

  it('keeps a refusal for the join flow, which shows it with the way forward', async () => {
    const hub = new MemoryMeshHub()
    const a = await device(hub, 'Ann')
    const acme = await a.stack.workplaces.create('Acme')
    const expired = linkTo(acme, await acme.createInvite({ expiresInMs: -1, maxUses: 5 }))
    const refused = countSent(hub, 'join-refused')
    const page = await pageFromLink(hub, expired)
    await until(() => refused() === 1, 'Ann to refuse the invite')
    // Asking again now would get no answer: only the one kept can tell Bob.
    hub.muted.add(JOIN_CHANNEL)

    const b = await device(hub, 'Bob', { peer: page, earlyJoins: page.early })
    b.stack.joins.start(expired)
    const status = await until(() => {
      const s = b.stack.joins.status(acme.id)
      return s?.state === 'refused' ? s : undefined
    }, 'Bob to be refused')
    expect(status.message).toMatch(/expired/)
    expect(status.canAsk).toBe(true)
    expect(acme.isMember(b.identity.peerId)).toBe(false)
  })

  it('drops malformed answers and answers about other workplaces', async () => {
    const hub = new MemoryMeshHub()
    const a = await device(hub, 'Ann')
    const acme = await a.stack.workplaces.create('Acme')
    const other = await a.stack.workplaces.create('Other')
    // Ann's device sends nothing of its own: only what the test sends reaches the page.
    hub.muted.add(JOIN_CHANNEL)
    const page = await pageFromLink(
      hub,
      linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })),
    )
    await until(() => hub.linked(page.identity.peerId, a.identity.peerId), 'the link to Ann')
    hub.muted.delete(JOIN_CHANNEL)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const send = (value: unknown) =>
      a.port.send(
        page.identity.peerId,
        JOIN_CHANNEL,
        new TextEncoder().encode(JSON.stringify(value)),
      )
    send({ v: 1, t: 'join-accepted', workplace: acme.id, rootUrl: 'not a url', name: 'Acme' })
    send('garbage')
    send({ v: 1, t: 'join-accepted', workplace: other.id, rootUrl: other.handle.url, name: 'x' })
    send({ v: 1, t: 'invite-join', workplace: acme.id, invite: {}, name: 'x' })
    await until(() => warn.mock.calls.length >= 3, 'the bad messages to be reported')
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/bad join-accepted/)
    expect(page.early.take(acme.id)?.answers).toEqual([])
  })
})
