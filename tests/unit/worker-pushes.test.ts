import { next as Automerge } from '@automerge/automerge'
import { Repo, type DocHandle } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FromDocumentsWorker } from '../../src/crdt/documents-worker/documents-worker-protocol.ts'
import {
  MAX_DIRECT_PUSH_BYTES,
  MAX_REFUSED_PUSHES,
} from '../../src/crdt/documents-worker/direct-pushes.ts'
import { WorkerPushes } from '../../src/crdt/documents-worker/worker-pushes.ts'
import { changeHash } from '../../src/crdt/repo/change-chunk.ts'
import { encodePush } from '../../src/crdt/repo/change-push.ts'
import type { PeerId } from '../../src/peer/ids.ts'
import { fakeChannelPair, type FakeDataChannel } from '../support/fake-data-channel.ts'
import { until } from '../support/until.ts'

const ANN = 'ann' as PeerId
const BOB = 'bob' as PeerId
const EVE = 'eve' as PeerId

interface Notes {
  text: string[]
}

/** One device's worker side: a repo holding the document, its pushes, and what it posted. */
function device(self: PeerId, handle: DocHandle<Notes>, members: PeerId[], peers: PeerId[]) {
  const posted: FromDocumentsWorker[] = []
  const pushes = new WorkerPushes({
    post: (message) => posted.push(message),
    handle: (doc) => (doc === handle.documentId ? (handle as DocHandle<unknown>) : undefined),
    peers: () => peers,
    mayExchange: (peer, doc) => doc === handle.documentId && members.includes(peer),
    self: () => self,
    handshakeTimeoutMs: 1000,
  })
  return { pushes, posted, handle }
}

const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
  vi.restoreAllMocks()
})

/** Ann and Bob each hold the same document; Eve is no member of its workplace. */
function annAndBob() {
  const repos = [new Repo({ network: [] }), new Repo({ network: [] })]
  const annDoc = repos[0]!.create<Notes>({ text: [] })
  const bobDoc = repos[1]!.import<Notes>(Automerge.save(annDoc.doc()), {
    docId: annDoc.documentId,
  })
  const ann = device(ANN, annDoc, [BOB], [BOB])
  const bob = device(BOB, bobDoc, [ANN], [ANN])
  closers.push(
    () => ann.pushes.close(),
    () => bob.pushes.close(),
  )
  return { ann, bob }
}

/** Lends each side its end of one channel, both ends open. */
async function linked(
  a: WorkerPushes,
  aPeer: PeerId,
  b: WorkerPushes,
  bPeer: PeerId,
): Promise<[FakeDataChannel, FakeDataChannel]> {
  const [ab, ba] = fakeChannelPair('docs-push')
  a.lend(bPeer, ab as unknown as RTCDataChannel)
  b.lend(aPeer, ba as unknown as RTCDataChannel)
  ab.open()
  ba.open()
  return [ab, ba]
}

const directOf = (posted: FromDocumentsWorker[]) =>
  posted.flatMap((m) => (m.t === 'direct' ? [m.peers] : [])).at(-1) ?? []
const pushesOf = (posted: FromDocumentsWorker[]) =>
  posted.flatMap((m) => (m.t === 'push' ? [m] : []))

describe('pushes between documents workers on their own channels', () => {
  it('carries a change to the other worker, and tells the page whom it reached', async () => {
    const { ann, bob } = annAndBob()
    await linked(ann.pushes, ANN, bob.pushes, BOB)
    await until(() => directOf(ann.posted).includes(BOB), 'Ann’s channel to open', 2000)
    expect(directOf(bob.posted)).toEqual([ANN])

    ann.handle.change((d) => d.text.push('hello'))
    ann.pushes.pushLast(ann.handle as DocHandle<unknown>)
    const [push] = pushesOf(ann.posted)
    expect(push?.reached).toEqual([BOB])
    await until(() => bob.handle.doc().text.length === 1, 'Bob to have the change', 2000)
    expect(bob.handle.doc().text).toEqual(['hello'])
    // Bob's sync knows Ann has it from her own hand, so it does not send it back.
    const hash = changeHash(push!.change)!
    expect(bob.pushes.pushed.pushedUs(ANN, ann.handle.documentId, hash)).toBe(true)
  })

  it('leaves a change to the page while the peer’s end has not answered', async () => {
    const { ann } = annAndBob()
    const [ab] = fakeChannelPair('docs-push')
    ann.pushes.lend(BOB, ab as unknown as RTCDataChannel)
    ab.open() // Bob's page never lent his worker the other end
    ann.handle.change((d) => d.text.push('hello'))
    ann.pushes.pushLast(ann.handle as DocHandle<unknown>)
    expect(pushesOf(ann.posted)[0]?.reached).toBeUndefined()
    expect(ab.sent.every((m) => m === 'syn')).toBe(true)
  })

  it('leaves a change to the page once the channel is lost, and when it is too big', async () => {
    const { ann, bob } = annAndBob()
    const [ab] = await linked(ann.pushes, ANN, bob.pushes, BOB)
    await until(() => directOf(ann.posted).includes(BOB), 'Ann’s channel to open', 2000)
    ab.lose()
    expect(directOf(ann.posted)).toEqual([])
    ann.handle.change((d) => d.text.push('after'))
    ann.pushes.pushLast(ann.handle as DocHandle<unknown>)
    expect(pushesOf(ann.posted).at(-1)?.reached).toBeUndefined()

    const { ann: ann2, bob: bob2 } = annAndBob()
    await linked(ann2.pushes, ANN, bob2.pushes, BOB)
    await until(() => directOf(ann2.posted).includes(BOB), 'the new channel to open', 2000)
    // Random text does not compress: the change stays larger than a direct push may be.
    const big = Array.from(crypto.getRandomValues(new Uint8Array(MAX_DIRECT_PUSH_BYTES)), (b) =>
      String.fromCharCode(65 + (b % 26)),
    ).join('')
    ann2.handle.change((d) => d.text.push(big))
    ann2.pushes.pushLast(ann2.handle as DocHandle<unknown>)
    expect(pushesOf(ann2.posted).at(-1)?.reached).toBeUndefined()
  })

  it('drops what a linked peer sends that is no push, not its to send, or not intact', async () => {
    const { bob } = annAndBob()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const [eb] = await linked(
      new WorkerPushes({
        post: () => {},
        handle: () => undefined,
        peers: () => [],
        mayExchange: () => false,
        self: () => EVE,
      }),
      EVE,
      bob.pushes,
      BOB,
    )
    await until(() => directOf(bob.posted).includes(EVE), 'Eve’s channel to open', 2000)
    const doc = bob.handle.documentId
    const other = Automerge.change(Automerge.clone(bob.handle.doc()), (d) => d.text.push('forged'))
    const change = Automerge.getLastLocalChange(other)!
    const corrupt = change.slice()
    corrupt[change.byteLength - 1]! ^= 0xff
    eb.send(new TextEncoder().encode('not cbor at all'))
    // Eve is linked but no member of the document's workplace.
    eb.send(encodePush(doc, change))
    await until(() => warn.mock.calls.length >= 2, 'both to be refused', 2000)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/dropped message from eve: /)
    expect(String(warn.mock.calls[1]?.[0])).toMatch(/eve: no access to that document/)

    // A member's push whose change was altered on the way is refused by its checksum.
    const { ann, bob: bob2 } = annAndBob()
    const [ab] = await linked(ann.pushes, ANN, bob2.pushes, BOB)
    await until(() => directOf(bob2.posted).includes(ANN), 'Ann’s channel to open', 2000)
    ab.send(encodePush(bob2.handle.documentId, corrupt))
    await until(() => warn.mock.calls.length >= 3, 'the altered change to be refused', 2000)
    expect(String(warn.mock.calls[2]?.[0])).toMatch(/ann: malformed change/)
    expect(bob.handle.doc().text).toEqual([])
    expect(bob2.handle.doc().text).toEqual([])
  })

  it('closes the channel of a member that keeps sending malformed pushes', async () => {
    const { ann, bob } = annAndBob()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.spyOn(console, 'info').mockImplementation(() => {})
    const [ab] = await linked(ann.pushes, ANN, bob.pushes, BOB)
    await until(() => directOf(bob.posted).includes(ANN), 'Ann’s channel to open', 2000)
    for (let i = 0; i < MAX_REFUSED_PUSHES + 5; i++) ab.send(new TextEncoder().encode(`junk ${i}`))
    await until(() => !directOf(bob.posted).includes(ANN), 'Bob to close the channel', 2000)
    const refusals = warn.mock.calls.filter((c) => String(c[0]).startsWith('push: dropped'))
    expect(refusals).toHaveLength(MAX_REFUSED_PUSHES)
    expect(warn.mock.calls.map((c) => String(c[0]))).toContainEqual(
      `direct pushes: closing the channel to ann: ${MAX_REFUSED_PUSHES} malformed pushes`,
    )
  })
})
