import { next as Automerge } from '@automerge/automerge'
import { describe, expect, it } from 'vitest'
import { RecordOrigins } from '../../src/crdt/authorship/record-origins.ts'
import { nextTask } from '../../src/lib/next-task.ts'

type Doc = { description?: string; about?: Record<string, Record<string, { v: string }>> }

/** The owners' records ever written under `about.name`, as readAbout takes them. */
const owners = (reader: RecordOrigins, doc: Automerge.Doc<Doc>) =>
  reader
    .parts(doc, 'name')
    .filter((p) => p.path.length === 1)
    .map((p) => [p.path, p.now])

/**
 * A document whose history `reader` read up to some point, then 1,000 more changes: among them
 * an owner's record, which a later one removes (a forger's undo), and plain writes around them.
 */
function catchUp(reader?: RecordOrigins) {
  let doc = Automerge.change(Automerge.init<Doc>(), (d) => {
    d.about = { name: {} }
  })
  if (reader) expect(owners(reader, doc)).toEqual([])
  for (let i = 0; i < 1000; i++) {
    doc = Automerge.change(doc, (d) => {
      if (i === 400) d.about!['name']!['owner'] = { v: 'Acme' }
      else if (i === 800) delete d.about!['name']!['owner']
      else d.description = `change ${i}`
    })
  }
  return doc
}

// A returning member's page read the 1,000 changes its catch-up brought in the middle of the
// sync, in the read that found them (~0.3 s of main thread, before it showed the new heads).
describe('a long stretch of new history', () => {
  it('is read in the background, a slice per task, while reads answer from what was read', async () => {
    const reader = new RecordOrigins('about', [], { backgroundAbove: 200 })
    const doc = catchUp(reader)
    let caughtUp = 0
    let otherTasks = 0
    reader.onCaughtUp(() => caughtUp++)
    const before = reader.changesRead

    expect(owners(reader, doc)).toEqual([])
    expect(reader.changesRead).toBe(before)
    // Other tasks run while it reads.
    const probe = (async () => {
      for (let i = 0; i < 3; i++) {
        await nextTask()
        if (caughtUp === 0) otherTasks++
      }
    })()
    await reader.settled()
    await probe
    expect(otherTasks).toBeGreaterThan(0)
    expect(caughtUp).toBe(1)
    expect(reader.changesRead - before).toBe(1000)
    // Read again once caught up: the record removed in the stretch counts.
    expect(owners(reader, doc)).toEqual([[['owner'], { v: 'Acme' }]])
    expect(reader.snapshot()?.heads).toEqual(Automerge.getHeads(doc))
  })

  it('is read at once below the bound, and always without one', () => {
    const doc = catchUp()
    expect(owners(new RecordOrigins('about', []), doc)).toEqual([[['owner'], { v: 'Acme' }]])
    const bounded = new RecordOrigins('about', [], { backgroundAbove: 2000 })
    expect(owners(bounded, doc)).toEqual([[['owner'], { v: 'Acme' }]])
  })
})
