import { next as Automerge } from '@automerge/automerge'
import { describe, expect, it } from 'vitest'
import { changeHash } from '../../src/crdt/repo/change-chunk.ts'
import { PushedChanges } from '../../src/crdt/repo/pushed-changes.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const ANN = 'AAAA' as PeerId
const BOB = 'BBBB' as PeerId
const CY = 'CCCC' as PeerId
/** This device. */
const SELF = 'SSSS' as PeerId
const DOC = '4NMNnkMhL8jXrdJ9jamS58PAVdXu'

function aChange(): { change: Uint8Array; hash: string } {
  const doc = Automerge.from<{ n: number }>({ n: 1 })
  const change = Automerge.getLastLocalChange(doc)!
  return { change, hash: changeHash(change)! }
}

describe('PushedChanges', () => {
  it('notes a push we made as reaching each peer it went to, none of them its author', () => {
    let now = 1000
    const pushed = new PushedChanges(() => now)
    const { change, hash } = aChange()
    now = 2000
    pushed.pushedTo([ANN, BOB], DOC, change)
    for (const peer of [ANN, BOB]) {
      expect(pushed.knows(peer, DOC, hash)).toBe(true)
      expect(pushed.pushedUs(peer, DOC, hash)).toBe(false)
      expect(pushed.lastAt(peer, DOC)).toBe(2000)
    }
    expect(pushed.knows(CY, DOC, hash)).toBe(false)
    expect(pushed.lastAt(CY, DOC)).toBe(0)
  })

  it('notes a push we got as its sender’s own, and as reaching the others it names', () => {
    const pushed = new PushedChanges()
    const { change, hash } = aChange()
    pushed.pushedBy(ANN, DOC, change, [SELF, ANN, BOB], SELF)
    expect(pushed.pushedUs(ANN, DOC, hash)).toBe(true)
    expect(pushed.knows(BOB, DOC, hash)).toBe(true)
    // Named by the sender, so not proof that Bob has it from his own hand.
    expect(pushed.pushedUs(BOB, DOC, hash)).toBe(false)
    // This device is not a peer of its own.
    expect(pushed.knows(SELF, DOC, hash)).toBe(false)
    expect(pushed.knows(CY, DOC, hash)).toBe(false)
  })

  it('notes nothing for bytes that are not a change it can name', () => {
    const pushed = new PushedChanges()
    const bytes = new Uint8Array([1, 2, 3])
    pushed.pushedTo([ANN], DOC, bytes)
    pushed.pushedBy(BOB, DOC, bytes, [CY], SELF)
    for (const peer of [ANN, BOB, CY]) expect(pushed.lastAt(peer, DOC)).toBe(0)
  })
})
