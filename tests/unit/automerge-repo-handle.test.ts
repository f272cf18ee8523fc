import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import * as A from '@automerge/automerge'
import type * as AutomergeRepo from '@automerge/automerge-repo'
import { fixHandleChecks } from '../../scripts/automerge-repo-handle.ts'
import { fixUnheardDiff } from '../../scripts/automerge-repo-load.ts'

const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url))
const dist = join(modules, '@automerge/automerge-repo/dist')
// Inside node_modules, so the copy's own imports (Automerge, xstate, …) resolve as installed.
mkdirSync(join(modules, '.cache'), { recursive: true })
const copy = mkdtempSync(join(modules, '.cache', 'automerge-repo-handle-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

type Repo = typeof AutomergeRepo

/** A copy of the installed automerge-repo with the build's DocHandle fixes, or as shipped. */
async function automergeRepo(fixed: boolean): Promise<Repo> {
  const dir = join(copy, fixed ? 'fixed' : 'shipped')
  cpSync(dist, join(dir, 'dist'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }')
  const file = join(dir, 'dist/DocHandle.js')
  const code = readFileSync(file, 'utf8')
  if (fixed) writeFileSync(file, fixHandleChecks(fixUnheardDiff(code)))
  return (await import(pathToFileURL(join(dir, 'dist/entrypoints/fullfat.js')).href)) as Repo
}

/** What a handle tells its listeners through local changes, a no-op and a merged remote change. */
async function events(R: Repo): Promise<string[]> {
  const repo = new R.Repo({ network: [] })
  const handle = repo.create<{ n: number; notes: Record<string, string> }>({ n: 0, notes: {} })
  const heard: string[] = []
  handle.on('heads-changed', ({ doc }) => heard.push(`heads ${doc.n}`))
  handle.on('change', ({ doc, patches }) => heard.push(`change ${doc.n} ${patches.length}`))
  for (let i = 1; i <= 3; i++) handle.change((d) => void (d.n = i))
  handle.change(() => {})
  // A concurrent change made elsewhere, merged in as sync would.
  const elsewhere = A.change(A.clone(handle.doc()), (d) => void (d.notes.x = 'there'))
  handle.update((doc) => A.merge(doc, elsewhere))
  // The same again: nothing new.
  handle.update((doc) => A.merge(doc, elsewhere))
  await repo.shutdown()
  return heard
}

it('a handle tells of exactly the updates that change its document, as shipped', async () => {
  const [shipped, fixed] = await Promise.all([automergeRepo(false), automergeRepo(true)])
  const expected = await events(shipped)
  // Three changes and the merge; neither the no-op change nor the second merge.
  expect(expected.filter((e) => e.startsWith('heads'))).toEqual([
    'heads 1',
    'heads 2',
    'heads 3',
    'heads 3',
  ])
  expect(expected).toHaveLength(8)
  expect(await events(fixed)).toEqual(expected)
})

/** What a handle says of its state, from creation to a document nobody can provide. */
async function states(R: Repo): Promise<string[]> {
  const repo = new R.Repo({ network: [] })
  const said: string[] = []
  const say = (handle: AutomergeRepo.DocHandle<unknown>) =>
    said.push(
      `${handle.state} ${handle.isReady()} ${handle.inState(['unavailable', 'deleted'])} ` +
        `${handle.isUnavailable()} ${handle.inState([])}`,
    )
  const made = repo.create({ n: 1 })
  say(made)
  const missing = repo.findWithProgress(R.generateAutomergeUrl())
  say(missing.handle)
  await missing.handle.whenReady(['unavailable'])
  say(missing.handle)
  made.delete()
  say(made)
  await repo.shutdown()
  return said
}

it('a handle says what state it is in, as shipped', async () => {
  const [shipped, fixed] = await Promise.all([automergeRepo(false), automergeRepo(true)])
  const expected = await states(shipped)
  expect(expected[0]).toBe('ready true false false false')
  expect(expected.at(-2)).toBe('unavailable false true true false')
  expect(await states(fixed)).toEqual(expected)
})

it('applies to the installed automerge-repo: heads compared unencoded, states by value', () => {
  const code = readFileSync(join(dist, 'DocHandle.js'), 'utf8')
  const fixed = fixHandleChecks(code)
  expect(fixed).toContain('headsAreSame(afterHeads, beforeHeads)')
  expect(fixed).not.toContain('encodeHeads(afterHeads)')
  expect(fixed).toContain('states.includes(snapshot.value)')
  expect(() => fixHandleChecks(fixed)).toThrow(/automerge-repo-handle/)
})
