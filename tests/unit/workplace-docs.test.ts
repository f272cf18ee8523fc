import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryRecordStore } from '../../src/crdt/membership/record-store.ts'
import { decodeWorkplaceLink, encodeWorkplaceLink } from '../../src/crdt/workplace/invite-link.ts'
import { createMemoryWorkplaceList } from '../../src/crdt/workplace/workplace-list.ts'
import { createWorkplaceStack, type WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { FakeMeshHub } from '../support/fake-mesh-port.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { until } from '../support/until.ts'

interface Notes {
  notes: Record<string, string>
}

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

async function device(hub: FakeMeshHub, name: string) {
  const identity = await createTestIdentity()
  const port = hub.add(identity.peerId)
  const stack = createWorkplaceStack({
    identity,
    mesh: port,
    list: createMemoryWorkplaceList(),
    records: createMemoryRecordStore(),
    displayName: () => name,
    kinds: new Map([['notes', () => ({ notes: {} })]]),
  })
  port.authorize = (peer) => stack.workplaces.authorizeLink(peer)
  stacks.push(stack)
  return { identity, port, stack }
}

describe('a workplace’s documents', () => {
  it('are created with the workplace, shared with members and refused to others', async () => {
    const hub = new FakeMeshHub()
    const [a, b, m] = await Promise.all(['Ann', 'Bob', 'Mal'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const notes = await acme.openDoc<Notes>('notes')
    notes.change((d) => {
      d.notes.first = 'hello'
    })
    const invite = await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })
    b!.stack.joins.start(
      decodeWorkplaceLink(
        encodeWorkplaceLink('https://x.test/', {
          workplace: acme.id,
          name: 'Acme',
          peers: [a!.identity.peerId],
          endpoints: [],
          invite,
        }),
      ),
    )
    const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join')
    const bNotes = await bAcme.openDoc<Notes>('notes')
    await until(() => bNotes.doc()?.notes.first === 'hello', 'B to see the note')
    bNotes.change((d) => {
      d.notes.second = 'hi back'
    })
    await until(() => notes.doc()?.notes.second === 'hi back', 'A to see B’s note')
    expect(bAcme.handles().map((h) => h.documentId)).toContain(bNotes.documentId)

    hub.link(a!.identity.peerId, m!.identity.peerId)
    m!.stack.workplaces.trustWhileJoining(notes.documentId, a!.identity.peerId)
    await expect(
      m!.stack.repo.find(notes.url, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow()
  })
})
