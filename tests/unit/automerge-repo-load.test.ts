import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import * as A from '@automerge/automerge'
import type * as AutomergeRepo from '@automerge/automerge-repo'
import { fixStoredLoad, fixUnheardDiff } from '../../scripts/automerge-repo-load.ts'
import { MemoryStorageAdapter } from '../support/memory-storage-adapter.ts'

const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url))
const dist = join(modules, '@automerge/automerge-repo/dist')
// Inside node_modules, so the copy's own imports (Automerge, xstate, …) resolve as installed.
mkdirSync(join(modules, '.cache'), { recursive: true })
const copy = mkdtempSync(join(modules, '.cache', 'automerge-repo-load-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

type Repo = typeof AutomergeRepo
interface Book {
  contacts: Record<string, { name: AutomergeRepo.ImmutableString; phones: Record<string, string> }>
}

/** A copy of the installed automerge-repo, with the build's fix or as shipped. */
async function automergeRepo(fixed: boolean): Promise<Repo> {
  const dir = join(copy, fixed ? 'fixed' : 'shipped')
  cpSync(dist, join(dir, 'dist'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }')
  if (fixed) {
    for (const [file, fix] of [
      ['dist/storage/StorageSubsystem.js', fixStoredLoad],
      ['dist/DocHandle.js', fixUnheardDiff],
    ] as const) {
      writeFileSync(join(dir, file), fix(readFileSync(join(dir, file), 'utf8')))
    }
  }
  return (await import(pathToFileURL(join(dir, 'dist/entrypoints/fullfat.js')).href)) as Repo
}

type Calls = Record<'applyAndReturnPatches' | 'diff' | 'materialize', number>

/**
 * Writes a book (with a conflict) through one Repo, then opens it from the same storage in a
 * second: what it read, and how often Automerge built patches or a whole object for that.
 */
async function storeAndLoad(R: Repo, listen = false) {
  const storage = new MemoryStorageAdapter()
  const first = new R.Repo({ storage, network: [] })
  const handle = first.create<Book>({ contacts: {} })
  for (let i = 0; i < 20; i++) {
    handle.change((d) => {
      d.contacts[`c${i}`] = { name: new R.ImmutableString(`N${i}`), phones: {} }
    })
  }
  // A concurrent change from another actor: the conflict must survive the load.
  const other = A.clone(handle.doc())
  const changed = A.change(other, (d) => {
    d.contacts.c1!.name = new R.ImmutableString('theirs')
  })
  handle.change((d) => {
    d.contacts.c1!.name = new R.ImmutableString('ours')
  })
  handle.update((doc) => A.merge(doc, changed))
  await first.flush()
  const expected = { heads: handle.heads(), doc: A.toJS(handle.doc()) }
  await first.shutdown()

  // The wasm document class every document of this Automerge shares.
  const backend = Object.getPrototypeOf(A.getBackend(handle.doc())) as Record<
    keyof Calls,
    (...args: unknown[]) => unknown
  >
  const calls: Calls = { applyAndReturnPatches: 0, diff: 0, materialize: 0 }
  const originals = { ...calls } as unknown as typeof backend
  for (const name of Object.keys(calls) as (keyof Calls)[]) {
    originals[name] = backend[name]
    backend[name] = function (this: unknown, ...args: unknown[]) {
      calls[name]++
      return originals[name].apply(this, args)
    }
  }
  const second = new R.Repo({ storage, network: [] })
  let loaded: AutomergeRepo.DocHandle<Book>
  let patches: number | undefined
  try {
    if (listen) {
      // Listening before the document is read, as automerge-repo's synchronizer does.
      second.findWithProgress<Book>(handle.url).handle.on('change', (change) => {
        patches ??= change.patches.length
      })
    }
    loaded = await second.find<Book>(handle.url)
  } finally {
    Object.assign(backend, originals)
  }
  const conflicts = A.getConflicts(loaded.doc().contacts.c1!, 'name')
  await second.shutdown()
  return {
    calls,
    same: loaded.heads().join() === expected.heads.join(),
    doc: A.toJS(loaded.doc()),
    expected: expected.doc,
    patches,
    conflict: Object.keys(conflicts ?? {}).length,
  }
}

describe('automerge-repo reading a stored document (scripts/automerge-repo-load.ts)', () => {
  it('builds the document once, with no patches, and reads the same', async () => {
    const shipped = await storeAndLoad(await automergeRepo(false))
    // As shipped: patches from empty to build the object, then diffed again for the handle.
    expect(shipped.calls.applyAndReturnPatches).toBeGreaterThan(0)
    expect(shipped.calls.diff).toBeGreaterThan(0)
    const fixed = await storeAndLoad(await automergeRepo(true))
    expect(fixed.calls).toMatchObject({ applyAndReturnPatches: 0, diff: 0 })
    expect(fixed).toMatchObject({ same: true, conflict: 2, patches: undefined })
    // Each run writes with its own random actors, so which side of the conflict wins differs
    // between runs: each load is compared with what its own writer held.
    expect(fixed.doc).toEqual(fixed.expected)
    expect(shipped.doc).toEqual(shipped.expected)
  })

  it('works out the first patches for a listener that reads them', async () => {
    const shipped = await storeAndLoad(await automergeRepo(false), true)
    const fixed = await storeAndLoad(await automergeRepo(true), true)
    expect(fixed.patches).toBeGreaterThan(20)
    expect(fixed.patches).toBe(shipped.patches)
    expect(fixed.calls).toMatchObject({ applyAndReturnPatches: 0, diff: 1 })
  })

  it('still tells listeners what changed', async () => {
    const R = await automergeRepo(true)
    const repo = new R.Repo({ network: [] })
    const handle = repo.create<{ n: number }>({ n: 1 })
    const seen: unknown[] = []
    handle.on('change', ({ patches }) => seen.push(...patches))
    handle.change((d) => {
      d.n = 2
    })
    expect(seen).toEqual([{ action: 'put', path: ['n'], value: 2 }])
    await repo.shutdown()
  })

  it("works out a later update's patches only for a listener that reads them", async () => {
    const counted = async (R: Repo, read: boolean) => {
      const repo = new R.Repo({ network: [] })
      const handle = repo.create<{ n: number }>({ n: 1 })
      const seen: unknown[] = []
      handle.on('change', (change) => {
        if (read) seen.push(...change.patches)
      })
      const backend = Object.getPrototypeOf(A.getBackend(handle.doc())) as {
        diff: (...args: unknown[]) => unknown
      }
      const diff = backend.diff
      let diffs = 0
      backend.diff = function (this: unknown, ...args: unknown[]) {
        diffs++
        return diff.apply(this, args)
      }
      const theirs = A.change(A.clone(handle.doc()), (d) => {
        d.n = 2
      })
      try {
        handle.update((doc) => A.merge(doc, theirs))
      } finally {
        backend.diff = diff
      }
      await repo.shutdown()
      return { diffs, seen }
    }
    // As shipped the handle diffs every update for its event (a merged change from a peer here:
    // Automerge's last-patch cache misses without scripts/automerge-patch-cache.ts).
    expect((await counted(await automergeRepo(false), false)).diffs).toBe(1)
    expect(await counted(await automergeRepo(true), false)).toEqual({ diffs: 0, seen: [] })
    expect(await counted(await automergeRepo(true), true)).toEqual({
      diffs: 1,
      seen: [{ action: 'put', path: ['n'], value: 2 }],
    })
  })

  it('fails loudly when the code is not as expected', () => {
    expect(() => fixStoredLoad('async loadDoc() {}')).toThrow(/no longer loads/)
    expect(() => fixUnheardDiff('#checkForChanges() {}')).toThrow(/no longer diffs/)
  })
})
