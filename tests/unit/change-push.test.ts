import { next as Automerge } from '@automerge/automerge/slim'
import { cbor, Repo, type DocHandle, type PeerId as RepoPeerId } from '@automerge/automerge-repo'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CHANGE_PUSH_CHANNEL, ChangePush, parsePush } from '../../src/crdt/repo/change-push.ts'
import { DocumentIdCheck } from '../../src/crdt/repo/document-id-check.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { MemoryMeshHub, type MemoryMesh } from '../support/memory-mesh.ts'
import { until } from '../support/until.ts'
import { ChatWorld } from './chat-devices.ts'

interface Notes {
  notes: Record<string, string>
}

/**
 * Two devices whose repos have no network at all: whatever reaches the other repo came by push.
 * `allowed` is who each side's policy lets exchange the document.
 */
function pair(allowed: { a: boolean; b: boolean } = { a: true, b: true }) {
  const hub = new MemoryMeshHub()
  const [aId, bId] = ['AAAA' as PeerId, 'BBBB' as PeerId]
  const [aPort, bPort] = [hub.add(aId), hub.add(bId)]
  hub.link(aId, bId)
  const side = (port: MemoryMesh, allow: boolean) => {
    const repo = new Repo({ peerId: port.self as unknown as RepoPeerId })
    const policy = { mayExchange: () => allow, mayPeer: () => allow }
    return { repo, port, push: new ChangePush({ mesh: port, policy, repo }) }
  }
  const a = side(aPort, allowed.b)
  const b = side(bPort, allowed.a)
  const aDoc = a.repo.create<Notes>({ notes: {} })
  const bDoc = b.repo.import<Notes>(Automerge.save(aDoc.doc()), { docId: aDoc.documentId })
  cleanup.push(async () => {
    a.push.close()
    b.push.close()
    await Promise.all([a.repo.shutdown(), b.repo.shutdown()])
  })
  return { hub, a, b, aDoc, bDoc }
}

const note = (handle: DocHandle<Notes>, key: string, text: string) =>
  handle.change((d) => {
    d.notes[key] = text
  })

const tick = () => new Promise((resolve) => setTimeout(resolve, 20))

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn()
  vi.restoreAllMocks()
})

describe('change push', () => {
  it('applies a member’s change to the open document with no sync at all', async () => {
    const { a, aDoc, bDoc } = pair()
    note(aDoc, 'one', 'first')
    a.push.push(aDoc as DocHandle<unknown>)
    note(aDoc, 'two', 'second')
    a.push.push(aDoc as DocHandle<unknown>)
    await until(() => bDoc.doc().notes.two === 'second', 'B to have both notes')
    expect(bDoc.doc().notes).toEqual({ one: 'first', two: 'second' })
    expect(bDoc.heads()).toEqual(aDoc.heads())
  })

  it('holds a change whose dependency is missing until the dependency arrives', async () => {
    const { a, aDoc, bDoc } = pair()
    note(aDoc, 'one', 'first')
    const first = Automerge.getLastLocalChange(aDoc.doc())!
    note(aDoc, 'two', 'second')
    a.push.push(aDoc as DocHandle<unknown>)
    await tick()
    expect(bDoc.doc().notes).toEqual({})
    bDoc.update((d) => Automerge.applyChanges(d, [first])[0])
    expect(bDoc.doc().notes).toEqual({ one: 'first', two: 'second' })
  })

  it('sends nothing to a peer without access, and takes nothing from one', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { a, b, aDoc, bDoc } = pair({ a: false, b: false })
    const sent = vi.spyOn(a.port, 'send')
    note(aDoc, 'one', 'first')
    a.push.push(aDoc as DocHandle<unknown>)
    expect(sent).not.toHaveBeenCalled()

    note(bDoc, 'mine', 'from B')
    const change = Automerge.getLastLocalChange(bDoc.doc())!
    b.port.send(
      a.port.self,
      CHANGE_PUSH_CHANNEL,
      cbor.encode({ v: 1, doc: aDoc.documentId, change }),
    )
    await tick()
    expect(aDoc.doc().notes).toEqual({ one: 'first' })
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('no access'))
  })

  it('drops malformed pushes with a reason and leaves the document intact', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { a, b, aDoc, bDoc } = pair()
    note(aDoc, 'one', 'first')
    const change = Automerge.getLastLocalChange(aDoc.doc())!
    const corrupt = change.slice()
    corrupt[corrupt.length - 3]! ^= 0xff
    const bad: [unknown, string][] = [
      [new Uint8Array([0xff, 0x00, 0x13]), 'undecodable'],
      [42, 'not an object'],
      [{ v: 2, doc: aDoc.documentId, change }, 'unsupported version 2'],
      [{ v: 1, doc: 'not-a-doc', change }, 'invalid document ID'],
      [{ v: 1, doc: aDoc.documentId, change: 'text' }, 'no change'],
      [{ v: 1, doc: aDoc.documentId, change: change.subarray(0, -1) }, 'malformed change'],
      [{ v: 1, doc: aDoc.documentId, change: new Uint8Array(300 * 1024) }, 'change too large'],
      [{ v: 1, doc: aDoc.documentId, change, to: 'BBBB' }, 'invalid recipients'],
      [{ v: 1, doc: aDoc.documentId, change, to: [42] }, 'invalid recipients'],
    ]
    for (const [message, reason] of bad) {
      const data = message instanceof Uint8Array ? message : cbor.encode(message)
      expect(parsePush(data, new DocumentIdCheck())).toBe(reason)
      a.port.send(b.port.self, CHANGE_PUSH_CHANNEL, data)
    }
    // A whole chunk whose checksum is wrong passes the form's check; it is refused where it
    // would be applied (here; in the documents worker for its documents, off the page).
    const corrupted = cbor.encode({ v: 1, doc: aDoc.documentId, change: corrupt })
    expect(parsePush(corrupted, new DocumentIdCheck())).toMatchObject({ doc: aDoc.documentId })
    a.port.send(b.port.self, CHANGE_PUSH_CHANNEL, corrupted)
    await tick()
    expect(warn).toHaveBeenCalledTimes(bad.length + 1)
    expect(String(warn.mock.calls.at(-1)![0])).toContain('malformed change')
    expect(bDoc.doc().notes).toEqual({})
    note(bDoc, 'still', 'works')
    a.push.push(aDoc as DocHandle<unknown>)
    await until(() => bDoc.doc().notes.one === 'first', 'the good push to apply after the bad')
    expect(bDoc.doc().notes.still).toBe('works')
  })

  it('checks a pushed change’s chunk and checksum, and leaves parsing it to applying it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { a, b, aDoc, bDoc } = pair()
    note(aDoc, 'one', 'first')
    const change = Automerge.getLastLocalChange(aDoc.doc())!
    // Intact as a chunk (its checksum matches) but no change inside: decoding it is the
    // applying's job, not the receiving's (a decode per push cost more than the rest of it).
    const hollow = change.slice()
    hollow.fill(0xff, 12)
    hollow.set(sha256(hollow.subarray(8)).subarray(0, 4), 4)
    const message = cbor.encode({ v: 1, doc: aDoc.documentId, change: hollow })
    expect(parsePush(message, new DocumentIdCheck())).toMatchObject({ doc: aDoc.documentId })
    a.port.send(b.port.self, CHANGE_PUSH_CHANNEL, message)
    await until(() => warn.mock.calls.length > 0, 'the hollow change to be refused')
    expect(String(warn.mock.calls[0]![0])).toContain('could not apply change')
    expect(bDoc.doc().notes).toEqual({})
    a.push.push(aDoc as DocHandle<unknown>)
    await until(() => bDoc.doc().notes.one === 'first', 'the good push to apply after it')
  })

  it('brings a chat message to linked members while sync carries nothing', async () => {
    const world = new ChatWorld()
    cleanup.push(() => world.close())
    const [ann, bob, cat] = await world.devices(['Ann', 'Bob', 'Cat'])
    const first = await ann!.chat.send('before')
    await until(() => bob!.chat.message(first.id) && cat!.chat.message(first.id), 'sync')
    world.hub.muted.add('am1')
    const sent = await ann!.chat.send('pushed')
    await until(() => bob!.chat.message(sent.id) && cat!.chat.message(sent.id), 'the push')
    expect(bob!.chat.message(sent.id)?.text).toBe('pushed')
    world.hub.muted.delete('am1')
    const after = await cat!.chat.send('sync resumes')
    await until(() => ann!.chat.message(after.id) && bob!.chat.message(after.id), 'sync again')
  })
})
