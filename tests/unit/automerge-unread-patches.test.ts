import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type * as Automerge from '@automerge/automerge'
import { fixPatchCache } from '../../scripts/automerge-patch-cache.ts'
import { fixUnreadPatches } from '../../scripts/automerge-unread-patches.ts'

const dist = fileURLToPath(
  new URL('../../node_modules/@automerge/automerge/dist/mjs', import.meta.url),
)
const copy = mkdtempSync(join(tmpdir(), 'automerge-unread-patches-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

type Am = typeof Automerge
type Calls = Record<'applyAndReturnPatches' | 'applyPatches' | 'diff', number>
type Book = {
  contacts: Record<string, { name: string; phones: Record<string, string> }>
}

/** A copy of the installed Automerge with the build's fixes (as the app bundles it), or as shipped. */
async function automerge(fixed: boolean): Promise<Am> {
  const dir = join(copy, fixed ? 'fixed' : 'shipped')
  cpSync(dist, dir, { recursive: true })
  const file = join(dir, 'implementation.js')
  if (fixed) writeFileSync(file, fixUnreadPatches(fixPatchCache(readFileSync(file, 'utf8'))))
  return (await import(pathToFileURL(join(dir, 'entrypoints', 'fullfat_node.js')).href)) as Am
}

/** Counts calls into the wasm document (one class for every document of that Automerge). */
function counting<T>(A: Am, run: () => T): { calls: Calls; result: T } {
  const backend = Object.getPrototypeOf(A.getBackend(A.init())) as Record<
    keyof Calls,
    (...args: unknown[]) => unknown
  >
  const calls: Calls = { applyAndReturnPatches: 0, applyPatches: 0, diff: 0 }
  const originals = {} as Record<keyof Calls, (...args: unknown[]) => unknown>
  for (const name of Object.keys(calls) as (keyof Calls)[]) {
    originals[name] = backend[name]
    backend[name] = function (this: unknown, ...args: unknown[]) {
      calls[name]++
      return originals[name].apply(this, args)
    }
  }
  try {
    return { calls, result: run() }
  } finally {
    Object.assign(backend, originals)
  }
}

/**
 * Writes a book with fixed actors: local changes, a merge of a concurrent change (a conflict)
 * and an incremental load. Returns the documents, and the patches `diff` gives for each step.
 */
function history(A: Am) {
  const ours = A.from<Book>({ contacts: {} }, { actor: 'aaaa' })
  const before = A.getHeads(ours)
  const added = A.change(ours, (d) => {
    for (let i = 0; i < 5; i++) d.contacts[`c${i}`] = { name: `N${i}`, phones: { p: `+${i}` } }
  })
  const theirs = A.change(A.clone(added, { actor: 'bbbb' }), (d) => {
    d.contacts.c1!.name = 'theirs'
  })
  const edited = A.change(added, (d) => {
    d.contacts.c1!.name = 'ours'
    delete d.contacts.c2
  })
  const merged = A.merge(edited, theirs)
  const loaded = A.loadIncremental(A.init<Book>({ actor: 'cccc' }), A.save(merged))
  return {
    docs: [added, edited, merged, loaded].map((doc) => A.toJS(doc)),
    conflict: Object.keys(A.getConflicts(merged.contacts.c1!, 'name') ?? {}).sort(),
    patches: [
      A.diff(added, before, A.getHeads(added)),
      A.diff(edited, A.getHeads(added), A.getHeads(edited)),
      A.diff(merged, A.getHeads(edited), A.getHeads(merged)),
      A.diff(loaded, [], A.getHeads(loaded)),
    ],
  }
}

describe("Automerge's patches, built only when read (scripts/automerge-unread-patches.ts)", () => {
  it('updates documents as shipped, without handing patches back', async () => {
    const shipped = await automerge(false)
    const fixed = await automerge(true)
    const before = counting(shipped, () => history(shipped))
    const after = counting(fixed, () => history(fixed))
    // As shipped every update hands its patches back; fixed, none does, and nothing else
    // changes: the same documents, the same conflict, and `diff` gives the same patches.
    expect(before.calls.applyAndReturnPatches).toBeGreaterThanOrEqual(4)
    expect(after.calls.applyAndReturnPatches).toBe(0)
    expect(after.calls.applyPatches).toBe(
      before.calls.applyPatches + before.calls.applyAndReturnPatches,
    )
    expect(after.result.docs).toEqual(before.result.docs)
    expect(after.result.conflict).toEqual(['42@aaaa', '42@bbbb'])
    expect(after.result.conflict).toEqual(before.result.conflict)
    expect(after.result.patches).toEqual(before.result.patches)
    expect(after.result.patches[0]!.length).toBeGreaterThan(15)
  })

  it('a change is diffed only when its patches are asked for', async () => {
    const A = await automerge(true)
    const doc = A.from<{ n: number }>({ n: 1 })
    const before = A.getHeads(doc)
    const { calls, result: next } = counting(A, () =>
      A.change(doc, (d) => {
        d.n = 2
      }),
    )
    expect(calls).toEqual({ applyAndReturnPatches: 0, applyPatches: 1, diff: 0 })
    expect(A.diff(next, before, A.getHeads(next))).toEqual([
      { action: 'put', path: ['n'], value: 2 },
    ])
  })

  it('still hands patches to a patch callback, and caches them for diff', async () => {
    const A = await automerge(true)
    let seen: unknown
    const doc = A.from<{ n: number }>({ n: 1 })
    const before = A.getHeads(doc)
    const next = A.change(doc, { patchCallback: (p) => (seen = p) }, (d) => {
      d.n = 2
    })
    expect(seen).toEqual([{ action: 'put', path: ['n'], value: 2 }])
    expect(A.diff(next, before, A.getHeads(next))).toBe(seen)
  })

  it('fails loudly when the code is not as expected', () => {
    expect(() => fixUnreadPatches('export function progressDocument() {}')).toThrow(/no longer/)
  })
})
