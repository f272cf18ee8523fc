import { describe, expect, it } from 'vitest'
import { ImmutableString } from '@automerge/automerge-repo'
import type { Judge } from '../../src/crdt/authorship/authorship.ts'
import { groupVersions } from '../../src/files/file-versions.ts'
import {
  cleanName,
  initialFilesDoc,
  readEntries,
  readHoldings,
  storedEntry,
  type FilesDoc,
} from '../../src/files/files-doc.ts'
import { toHex, type HashHex } from '../../src/files/hashing.ts'
import { planReplicas, type PlanInput } from '../../src/files/replica-planner.ts'
import type { PeerId } from '../../src/peer/ids.ts'

const peer = (c: string) => c.repeat(32) as PeerId
const [A, B, C, D] = ['a', 'b', 'c', 'd'].map(peer) as [PeerId, PeerId, PeerId, PeerId]
const file = (n: number) => toHex(new Uint8Array(32).fill(n))
const MB = 1024 * 1024

function input(over: Partial<PlanInput>): PlanInput {
  return {
    files: [],
    members: [A, B, C],
    online: new Set([A, B, C]),
    holders: new Map(),
    plan: new Map(),
    free: new Map([
      [A, 100 * MB],
      [B, 100 * MB],
      [C, 100 * MB],
    ]),
    replicas: 2,
    now: 1_000_000,
    ...over,
  }
}

describe('the replica plan', () => {
  it('asks the online member with the most free space to hold a file short of R', () => {
    const changes = planReplicas(
      input({
        files: [{ fileId: file(1), size: 10 * MB, addedAt: 1 }],
        holders: new Map([[file(1), new Set([A])]]),
        free: new Map([
          [A, 100 * MB],
          [B, 20 * MB],
          [C, 50 * MB],
        ]),
      }),
    )
    expect(changes).toEqual({ assign: [{ peer: C, fileId: file(1) }], release: [] })
  })

  it('counts members already asked, and asks no one once R members hold it', () => {
    const f = { fileId: file(1), size: MB, addedAt: 1 }
    const asked = planReplicas(
      input({
        files: [f],
        holders: new Map([[file(1), new Set([A])]]),
        plan: new Map([[B, new Map([[file(1), 999_000]])]]),
      }),
    )
    expect(asked).toEqual({ assign: [], release: [] })
    const done = planReplicas(
      input({
        files: [f],
        holders: new Map([[file(1), new Set([A, B])]]),
        plan: new Map([[B, new Map([[file(1), 999_000]])]]),
      }),
    )
    expect(done).toEqual({ assign: [], release: [{ peer: B, fileId: file(1) }] })
  })

  it('stays within each member’s offer, counting what it was asked to fetch already', () => {
    const changes = planReplicas(
      input({
        files: [
          { fileId: file(1), size: 30 * MB, addedAt: 1 },
          { fileId: file(2), size: 30 * MB, addedAt: 2 },
          { fileId: file(3), size: 30 * MB, addedAt: 3 },
        ],
        holders: new Map([1, 2, 3].map((n) => [file(n), new Set([A])])),
        free: new Map([
          [A, 0],
          [B, 70 * MB],
          [C, 0],
        ]),
      }),
    )
    expect(changes.assign).toEqual([
      { peer: B, fileId: file(1) },
      { peer: B, fileId: file(2) },
    ])
  })

  it('replaces an assignment to a member offline for long; releases former members’', () => {
    const changes = planReplicas(
      input({
        members: [A, B, C],
        online: new Set([A, C]),
        files: [{ fileId: file(1), size: MB, addedAt: 1 }],
        holders: new Map([[file(1), new Set([A])]]),
        plan: new Map([
          [B, new Map([[file(1), 1_000_000 - 11 * 60_000]])],
          [D, new Map([[file(1), 999_999]])],
        ]),
      }),
    )
    expect(changes).toEqual({
      assign: [{ peer: C, fileId: file(1) }],
      release: [{ peer: D, fileId: file(1) }],
    })
  })

  it('asks for no more copies than there are members', () => {
    const changes = planReplicas(
      input({
        members: [A, B],
        online: new Set([A, B]),
        replicas: 5,
        files: [{ fileId: file(1), size: MB, addedAt: 1 }],
        holders: new Map([[file(1), new Set([A])]]),
      }),
    )
    expect(changes.assign).toEqual([{ peer: B, fileId: file(1) }])
  })
})

describe('the file index document', () => {
  /** Records with no proof, as these are: readable, never genuine (see files-forgery). */
  const unsigned: Judge = () => 'unsigned'
  const entry = {
    name: 'report.pdf',
    type: 'application/pdf',
    size: 1234,
    fileId: file(9) as HashHex,
    addedBy: A,
    addedAt: 5,
  }

  it('reads valid entries and skips malformed ones', () => {
    const doc: FilesDoc = initialFilesDoc()
    doc.entries.aaaaaaaaaaaaaaaa = storedEntry(entry)
    doc.entries.bbbbbbbbbbbbbbbb = { ...storedEntry(entry), size: -1 }
    doc.entries.cccccccccccccccc = { ...storedEntry(entry), fileId: new ImmutableString('xyz') }
    doc.entries['not an id'] = storedEntry(entry)
    ;(doc.entries as Record<string, unknown>).dddddddddddddddd = 'garbage'
    expect(readEntries(doc, unsigned)).toEqual([
      { id: 'aaaaaaaaaaaaaaaa', ...entry, verified: false },
    ])
  })

  it('reads holdings and skips bad ones', () => {
    const doc = initialFilesDoc()
    doc.holdings[A] = {
      [file(1)]: { chunks: 3, of: 3, at: 1 },
      [file(2)]: { chunks: 1, of: 4, at: 1 },
    }
    doc.holdings[B] = { [file(1)]: { chunks: -1, of: 3, at: 1 } }
    doc.holdings['nobody'] = { [file(1)]: { chunks: 3, of: 3, at: 1 } }
    const holdings = readHoldings(doc, unsigned)
    expect([...(holdings.get(file(1)) ?? [])]).toEqual([
      [A, { chunks: 3, of: 3, complete: true, genuine: false }],
    ])
    expect(holdings.get(file(2))?.get(A)?.complete).toBe(false)
  })

  it('cleans names of path parts and control characters', () => {
    expect(cleanName('../etc/passwd')).toBe('.._etc_passwd')
    expect(cleanName(' a\u0000b\n ')).toBe('a_b_')
    expect(cleanName('   ')).toBeUndefined()
    expect(cleanName('x'.repeat(400))?.length).toBe(255)
  })

  it('groups versions by name, oldest first, files by latest change', () => {
    const e = (id: string, name: string, at: number) => ({
      ...entry,
      id,
      name,
      addedAt: at,
      verified: true,
    })
    const groups = groupVersions([
      e('b1', 'b', 3),
      e('a1', 'a', 1),
      e('a2', 'a', 4),
      e('a0', 'a', 1),
    ])
    expect(groups.map((g) => [g.name, g.versions.map((v) => v.id)])).toEqual([
      ['a', ['a0', 'a1', 'a2']],
      ['b', ['b1']],
    ])
  })
})
