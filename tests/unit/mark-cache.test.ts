import { describe, expect, it } from 'vitest'
import type { Judge } from '../../src/crdt/authorship/authorship.ts'
import type { ShardDoc } from '../../src/crdt/chat/chat-doc.ts'
import { MarkCache, type MarkSource } from '../../src/crdt/chat/mark-cache.ts'
import type { Verdict } from '../../src/peer/identity/record-proof.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const bob = 'bob' as PeerId
const ann = 'ann' as PeerId
const mark = (ms: number) => `${String(ms).padStart(13, '0')}.0000 proof-${ms}`

/** A shard whose recalled marks and checks are counted. */
function shard(values: string[]) {
  const counted = { recalled: 0, judged: 0 }
  const source: MarkSource & { doc: ShardDoc | undefined; marksVersion: number } = {
    key: { key: 's1' },
    doc: { read: {} } as unknown as ShardDoc,
    marksVersion: 1,
    recalledMarks: () => {
      counted.recalled++
      return values
    },
  }
  return { source, counted }
}

describe('MarkCache', () => {
  it('reads a mark once per shard version, however many messages ask', () => {
    const { source, counted } = shard([mark(3), mark(2), mark(1)])
    let verdict: Verdict = 'genuine'
    const judge: Judge = () => {
      counted.judged++
      return verdict
    }
    const cache = new MarkCache(judge)
    for (let i = 0; i < 50; i++) {
      expect(cache.reader(source, 0)('read', bob, ann)).toBe('0000000000003.0000')
    }
    expect(counted.recalled).toBe(1)
    expect(counted.judged).toBe(1)

    // A new version of the document, its recalled marks or the verdicts: read again.
    source.doc = { read: {} } as unknown as ShardDoc
    cache.reader(source, 0)('read', bob, ann)
    source.marksVersion++
    cache.reader(source, 0)('read', bob, ann)
    cache.reader(source, 1)('read', bob, ann)
    expect(counted.recalled).toBe(4)

    // A check still under way is not kept: the next look asks again.
    verdict = 'pending'
    cache.reader(source, 2)('read', bob, ann)
    cache.reader(source, 2)('read', bob, ann)
    expect(counted.recalled).toBe(6)
    verdict = 'genuine'
    expect(cache.reader(source, 2)('read', bob, ann)).toBe('0000000000003.0000')
    cache.reader(source, 2)('read', bob, ann)
    expect(counted.recalled).toBe(7)
  })
})
