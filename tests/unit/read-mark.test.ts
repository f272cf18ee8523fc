import { describe, expect, it } from 'vitest'
import type { Judge } from '../../src/crdt/authorship/authorship.ts'
import type { ShardDoc } from '../../src/crdt/chat/chat-doc.ts'
import { readMark, receiptKey } from '../../src/crdt/chat/receipts.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const bob = 'bob' as PeerId
const ann = 'ann' as PeerId
const hlc = (ms: number) => `${String(ms).padStart(13, '0')}.0000`
const mark = (ms: number, proof = `proof-${ms}`) => `${hlc(ms)} ${proof}`
/** Proofs ending in "forged" are judged forged, the rest genuine; each judgement is counted. */
function judging() {
  const judged: string[] = []
  const judge: Judge = (_claim, proof) => {
    const text = String(proof)
    judged.push(text)
    return text.endsWith('forged') ? 'forged' : 'genuine'
  }
  return { judged, check: { shard: 's1', judge } }
}
const docWith = (value: string | undefined) =>
  ({ read: value === undefined ? {} : { [receiptKey(bob, ann)]: value } }) as unknown as ShardDoc

/** `values`, counting how many a reader takes. */
function counting(values: string[]) {
  const taken = { count: 0 }
  const list = [...values]
  Object.defineProperty(list, Symbol.iterator, {
    value: function* () {
      for (const value of values) {
        taken.count++
        yield value
      }
    },
  })
  return { list, taken }
}

describe('readMark', () => {
  it('reads a long recalled history only down to the highest genuine mark', () => {
    // A busy chat: one value per receipt ever written, highest first.
    const history = Array.from({ length: 1000 }, (_, i) => mark(5000 - i))
    history[0] = mark(5000, 'x-forged')
    const { list, taken } = counting(history)
    const { judged, check } = judging()
    expect(readMark(docWith(mark(10)), 'read', bob, ann, check, list)).toBe(hlc(4999))
    expect(taken.count).toBe(2)
    expect(judged).toEqual(['proof-10', 'x-forged', 'proof-4999'])
  })

  it('stops at once when the stored mark is the highest', () => {
    const { list, taken } = counting([mark(7), mark(6), mark(5)])
    const { check } = judging()
    expect(readMark(docWith(mark(7)), 'read', bob, ann, check, list)).toBe(hlc(7))
    expect(taken.count).toBe(1)
  })

  it('takes a recalled mark over a stored one that is forged, older or unsigned', () => {
    const { check } = judging()
    const recalled = ['not a mark', mark(9), mark(4)]
    expect(readMark(docWith(mark(20, 'y-forged')), 'read', bob, ann, check, recalled)).toBe(hlc(9))
    expect(readMark(docWith(mark(3)), 'read', bob, ann, check, recalled)).toBe(hlc(9))
    expect(readMark(docWith(hlc(30)), 'read', bob, ann, check, recalled)).toBe(hlc(9))
    expect(readMark(docWith(undefined), 'read', bob, ann, check, recalled)).toBe(hlc(9))
    // Every value forged or unsigned: no mark.
    expect(readMark(docWith(hlc(30)), 'read', bob, ann, check, [mark(2, 'z-forged')])).toBe(
      undefined,
    )
    // Without a check, any signed mark counts.
    expect(readMark(docWith(mark(20, 'y-forged')), 'read', bob, ann)).toBe(hlc(20))
  })
})
