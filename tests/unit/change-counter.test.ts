import * as Automerge from '@automerge/automerge'
import { describe, expect, it, vi } from 'vitest'
import { ChangeCounter } from '../../src/crdt/sync/change-counter.ts'

// Counts the change metadata the counter lists (what made a big catch-up slow to show).
const listed = vi.hoisted(() => ({ changes: 0 }))
vi.mock('@automerge/automerge', async (importOriginal) => {
  const real = await importOriginal<typeof Automerge>()
  return {
    ...real,
    getChangesMetaSince: (doc: Automerge.Doc<unknown>, since: Automerge.Heads) => {
      const metas = real.getChangesMetaSince(doc, since)
      listed.changes += metas.length
      return metas
    },
  }
})

type Doc = { n?: number; [key: string]: unknown }

function grow(doc: Automerge.Doc<Doc>, count: number, key = 'n'): Automerge.Doc<Doc> {
  for (let i = 0; i < count; i++) doc = Automerge.change(doc, (d) => void (d[key] = i))
  return doc
}

/** The count as a full listing gives it (what the counter must always agree with). */
function truth(doc: Automerge.Doc<Doc>, confirmed: readonly string[]): number {
  const known = confirmed.filter((h) => Automerge.hasHeads(doc, [h]))
  const before = listed.changes
  const count = Automerge.getChangesMetaSince(doc, known).length
  listed.changes = before
  return count
}

describe('ChangeCounter', () => {
  it('counts changes that arrived in one batch without listing them', () => {
    const counter = new ChangeCounter()
    let mine = grow(Automerge.from<Doc>({}), 50)
    const confirmed = Automerge.getHeads(mine)
    mine = grow(mine, 3)
    expect(counter.since('doc', mine, confirmed)).toBe(3)
    // Another device made 1,000 changes; they arrive at once (a sync message).
    const theirs = grow(Automerge.clone(mine, { actor: 'bb'.repeat(16) }), 1000)
    mine = Automerge.merge(mine, theirs)
    listed.changes = 0
    expect(counter.since('doc', mine, confirmed)).toBe(1003)
    expect(listed.changes).toBe(0)
  })

  it('agrees with a full count through concurrent changes, merges and new confirmations', () => {
    const counter = new ChangeCounter()
    let a = grow(Automerge.from<Doc>({}, { actor: 'aa'.repeat(16) }), 10)
    let b = Automerge.clone(a, { actor: 'bb'.repeat(16) })
    let confirmed = Automerge.getHeads(a)
    const check = () => expect(counter.since('doc', a, confirmed)).toBe(truth(a, confirmed))
    check()
    a = grow(a, 7, 'x')
    check()
    b = grow(b, 40, 'y')
    a = Automerge.merge(a, b)
    check()
    a = grow(a, 5, 'x')
    check()
    // B reports holding what it made, then more: confirmed heads B has and A does not yet.
    confirmed = Automerge.getHeads(b)
    check()
    b = grow(b, 9, 'y')
    confirmed = [...confirmed, ...Automerge.getHeads(b)]
    check()
    a = Automerge.merge(a, b)
    check()
    // A document that lost the counted heads (another version of it) is counted afresh.
    a = grow(Automerge.clone(b, { actor: 'cc'.repeat(16) }), 2)
    check()
  })
})
