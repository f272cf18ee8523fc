import { afterEach, describe, expect, it } from 'vitest'
import type { WorkplaceStack } from '../../src/crdt/workplace-stack.ts'
import { RESYNC_CHANNEL } from '../../src/crdt/repo/resync-protocol.ts'
import { MemoryMeshHub } from '../support/memory-mesh.ts'
import { createTestDevice, linkTo } from '../support/test-device.ts'
import { until } from '../support/until.ts'

interface Notes {
  notes: Record<string, string>
}

const stacks: WorkplaceStack[] = []
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.shutdown()))
})

const kinds = new Map([['notes', () => ({ notes: {} })]])

async function device(hub: MemoryMeshHub, name: string) {
  const created = await createTestDevice(hub, name, { kinds })
  stacks.push(created.stack)
  return created
}

/**
 * Ann's Acme with her notes, and Bob joined but cut off from her before he holds them (what he
 * refuses before he is a member is normally asked for again at once: those requests are muted).
 * `reconnect` links them again.
 */
async function bobWithoutTheNotes() {
  const hub = new MemoryMeshHub()
  const [a, b] = await Promise.all(['Ann', 'Bob'].map((n) => device(hub, n)))
  const acme = await a!.stack.workplaces.create('Acme')
  const notes = await acme.openDoc<Notes>('notes')
  notes.change((d) => void (d.notes.first = 'hello'))
  hub.muted.add(RESYNC_CHANNEL)
  b!.stack.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
  const bAcme = await until(() => b!.stack.workplaces.get(acme.id), 'B to join')
  const [annId, bobId] = [a!.identity.peerId, b!.identity.peerId]
  hub.unlink(annId, bobId)
  const authorize = b!.port.authorize
  b!.port.authorize = () => false
  const reconnect = () => {
    b!.port.authorize = authorize
    hub.muted.delete(RESYNC_CHANNEL)
    hub.link(annId, bobId)
  }
  return { annNotes: notes, bAcme, reconnect }
}

describe('a workplace’s documents', () => {
  it('are created with the workplace, shared with members and refused to others', async () => {
    const hub = new MemoryMeshHub()
    const [a, b, m] = await Promise.all(['Ann', 'Bob', 'Mal'].map((n) => device(hub, n)))
    const acme = await a!.stack.workplaces.create('Acme')
    const notes = await acme.openDoc<Notes>('notes')
    notes.change((d) => {
      d.notes.first = 'hello'
    })
    b!.stack.joins.start(linkTo(acme, await acme.createInvite({ expiresInMs: 60_000, maxUses: 1 })))
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

  it('opens a document nobody could provide yet once a member comes online', async () => {
    const { bAcme, reconnect } = await bobWithoutTheNotes()
    let opened = false
    const opening = bAcme.openDoc<Notes>('notes').then((handle) => {
      opened = true
      return handle
    })
    // A find that gives up rejects as soon as the repo has asked everyone it can (nobody): a
    // plain repo.find fails this test within this wait or at the await below.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(opened).toBe(false)
    reconnect()
    const notes = await opening
    await until(() => notes.doc()?.notes.first === 'hello', 'the note to arrive')
  })

  it('are listed as fetching while on their way, for sync status', async () => {
    const { annNotes, bAcme, reconnect } = await bobWithoutTheNotes()
    let told = 0
    bAcme.on('fetching', () => told++)
    expect(bAcme.fetching()).toEqual([])

    const opening = bAcme.openDoc<Notes>('notes')
    await until(() => told > 0, 'Bob’s workplace to tell of the notes on their way', 3000)
    expect(bAcme.fetching()).toEqual([annNotes.documentId])

    reconnect()
    await opening
    expect(bAcme.fetching()).toEqual([])
    await until(() => told === 2, 'Bob’s workplace to tell the notes arrived', 3000)
  })
})
