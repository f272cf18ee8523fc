import { next as Automerge } from '@automerge/automerge'
import type { Message } from '@automerge/automerge-repo'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { changeHash } from '../../src/crdt/repo/change-chunk.ts'
import { PushedChanges } from '../../src/crdt/repo/pushed-changes.ts'
import { MAX_HOLD_MS, PUSH_QUIET_MS, SyncHold } from '../../src/crdt/repo/sync-hold.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const PEER = 'BBBB' as PeerId
const DOC = '4NMNnkMhL8jXrdJ9jamS58PAVdXu'

/** Three changes of one document, in order. */
function changes(): Uint8Array[] {
  let doc = Automerge.from<{ n: number }>({ n: 0 })
  const out = [Automerge.getLastLocalChange(doc)!]
  for (let i = 1; i < 3; i++) {
    doc = Automerge.change(doc, (d) => {
      d.n = i
    })
    out.push(Automerge.getLastLocalChange(doc)!)
  }
  return out
}

function sync(carried: Uint8Array[], need: string[] = []): Message {
  const heads = carried.length ? [changeHash(carried.at(-1)!)!] : []
  const data = Automerge.encodeSyncMessage({ heads, need, have: [], changes: carried })
  return {
    type: 'sync',
    senderId: 'AAAA',
    targetId: PEER,
    documentId: DOC,
    data,
  } as unknown as Message
}

const carriedBy = (message: Message) =>
  Automerge.decodeSyncMessage(message.data!).changes.map((c) => changeHash(c))

let sent: Message[]
let pushed: PushedChanges
let hold: SyncHold
const [c1, c2, c3] = changes() as [Uint8Array, Uint8Array, Uint8Array]

beforeEach(() => {
  vi.useFakeTimers()
  sent = []
  pushed = new PushedChanges()
  hold = new SyncHold({ pushed, send: (message) => sent.push(message) })
  // An exchange under way: the peer has spoken about the document.
  hold.received(PEER, { ...sync([]), senderId: PEER } as unknown as Message)
})

afterEach(() => {
  hold.close()
  vi.useRealTimers()
})

const push = (change: Uint8Array) => pushed.note(PEER, DOC, changeHash(change)!)

describe('SyncHold', () => {
  it('holds what pushes carried while they carry, then sends the newest without it', () => {
    push(c1)
    hold.outgoing(sync([c1]))
    vi.advanceTimersByTime(PUSH_QUIET_MS / 2)
    push(c2)
    hold.outgoing(sync([c2]))
    expect(sent).toEqual([])
    expect(hold.held).toBe(2)
    vi.advanceTimersByTime(PUSH_QUIET_MS)
    expect(sent).toHaveLength(1)
    expect(carriedBy(sent[0]!)).toEqual([])
    expect(Automerge.decodeSyncMessage(sent[0]!.data!).heads).toEqual([changeHash(c2)])
  })

  it('sends the changes it left out as soon as the peer asks for any', () => {
    push(c1)
    push(c2)
    hold.outgoing(sync([c1]))
    hold.outgoing(sync([c2]))
    vi.advanceTimersByTime(PUSH_QUIET_MS * 2)
    expect(carriedBy(sent[0]!)).toEqual([])
    // The push of c1 never arrived: the peer asks for it.
    hold.received(PEER, { ...sync([], [changeHash(c1)!]), senderId: PEER } as unknown as Message)
    expect(sent).toHaveLength(2)
    expect(carriedBy(sent[1]!)).toEqual([changeHash(c1), changeHash(c2)])
    expect(Automerge.decodeSyncMessage(sent[1]!.data!).heads).toEqual([changeHash(c2)])
  })

  it('forgets the changes it left out once the peer has the heads it was sent', () => {
    push(c1)
    hold.outgoing(sync([c1]))
    vi.advanceTimersByTime(PUSH_QUIET_MS * 2)
    const has = Automerge.encodeSyncMessage({
      heads: [changeHash(c1)!],
      need: [],
      have: [],
      changes: [],
    })
    hold.received(PEER, { ...sync([]), senderId: PEER, data: has } as unknown as Message)
    hold.received(PEER, { ...sync([], [changeHash(c3)!]), senderId: PEER } as unknown as Message)
    expect(sent).toHaveLength(1)
  })

  it('sends after MAX_HOLD_MS however long pushes keep coming', () => {
    for (let t = 0; t <= MAX_HOLD_MS; t += PUSH_QUIET_MS / 2) {
      push(c1)
      hold.outgoing(sync([]))
      vi.advanceTimersByTime(PUSH_QUIET_MS / 2)
      if (t < MAX_HOLD_MS - PUSH_QUIET_MS) expect(sent).toEqual([])
    }
    expect(sent.length).toBeGreaterThan(0)
  })

  it('forgets what it left out up to the heads the peer has, even when it is behind', () => {
    const says = (heads: string[], need: string[] = []) =>
      ({
        ...sync([]),
        senderId: PEER,
        data: Automerge.encodeSyncMessage({ heads, need, have: [], changes: [] }),
      }) as unknown as Message
    push(c1)
    hold.outgoing(sync([c1]))
    vi.advanceTimersByTime(PUSH_QUIET_MS * 2)
    push(c2)
    hold.outgoing(sync([c2]))
    vi.advanceTimersByTime(PUSH_QUIET_MS * 2)
    expect(sent.map(carriedBy)).toEqual([[], []])
    // It has what came with the first message sent, not yet the second.
    hold.received(PEER, says([changeHash(c1)!]))
    hold.received(PEER, says([changeHash(c1)!], [changeHash(c3)!]))
    expect(sent).toHaveLength(3)
    expect(carriedBy(sent[2]!)).toEqual([changeHash(c2)])
  })

  it('sends at once a message whose heads pushes did not carry', () => {
    push(c1)
    hold.outgoing(sync([c1]))
    hold.outgoing(sync([c2]))
    expect(sent).toHaveLength(1)
    expect(carriedBy(sent[0]!)).toEqual([changeHash(c2)])
    vi.advanceTimersByTime(MAX_HOLD_MS * 2)
    expect(sent).toHaveLength(1)
  })

  it('holds nothing while no push went to or came from the peer lately', () => {
    push(c1)
    vi.advanceTimersByTime(PUSH_QUIET_MS)
    hold.outgoing(sync([c1]))
    expect(sent).toHaveLength(1)
  })

  it('holds nothing before the peer spoke about the document (a first round goes at once)', () => {
    hold.forget(PEER)
    push(c1)
    hold.outgoing(sync([c1]))
    expect(sent).toHaveLength(1)
  })

  it('sends what it holds, and the next message, as soon as the peer asks for a change', () => {
    push(c1)
    push(c2)
    hold.outgoing(sync([c1]))
    hold.received(PEER, { ...sync([], [changeHash(c3)!]), senderId: PEER } as unknown as Message)
    expect(sent).toHaveLength(1)
    hold.outgoing(sync([c2]))
    expect(sent).toHaveLength(2)
  })

  it('forgets what it held for a peer whose sync starts afresh', () => {
    push(c1)
    hold.outgoing(sync([c1]))
    hold.forget(PEER)
    vi.advanceTimersByTime(MAX_HOLD_MS * 2)
    expect(sent).toEqual([])
  })

  it('lets other messages through untouched', () => {
    const request = { ...sync([c1]), type: 'request' } as Message
    push(c1)
    hold.outgoing(request)
    expect(sent).toEqual([request])
  })
})
