import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type * as Automerge from '@automerge/automerge'
import { fixPatchCache } from '../../scripts/automerge-patch-cache.ts'

const dist = fileURLToPath(
  new URL('../../node_modules/@automerge/automerge/dist/mjs', import.meta.url),
)
const copy = mkdtempSync(join(tmpdir(), 'automerge-patch-cache-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

type Am = typeof Automerge

/** A copy of the installed Automerge, with the build's fix or as shipped. */
async function automerge(fixed: boolean): Promise<Am> {
  const dir = join(copy, fixed ? 'fixed' : 'shipped')
  cpSync(dist, dir, { recursive: true })
  const file = join(dir, 'implementation.js')
  if (fixed) writeFileSync(file, fixPatchCache(readFileSync(file, 'utf8')))
  return (await import(pathToFileURL(join(dir, 'entrypoints', 'fullfat_node.js')).href)) as Am
}

/** What automerge-repo's DocHandle does after loading a document: diff it from empty. */
async function diffAfterLoad(A: Am): Promise<{ cached: boolean; patches: number }> {
  let doc = A.from<{ contacts: Record<string, { given: string }> }>({ contacts: {} })
  doc = A.change(doc, (d) => {
    for (let i = 0; i < 50; i++) d.contacts[`c${i}`] = { given: `N${i}` }
  })
  let loadPatches: unknown
  const loaded = A.loadIncremental(A.init<typeof doc>(), A.save(doc), {
    patchCallback: (patches) => (loadPatches = patches),
  })
  const patches = A.diff(loaded, [], A.getHeads(loaded))
  return { cached: patches === loadPatches, patches: patches.length }
}

describe("Automerge's last-patch cache (scripts/automerge-patch-cache.ts)", () => {
  it('fixes the installed Automerge, which misses its cache as shipped', async () => {
    expect(await diffAfterLoad(await automerge(false))).toMatchObject({ cached: false })
    const fixed = await diffAfterLoad(await automerge(true))
    expect(fixed).toEqual({ cached: true, patches: expect.any(Number) })
    expect(fixed.patches).toBeGreaterThan(50)
  })

  it('a change is diffed once as well', async () => {
    const A = await automerge(true)
    let patches: unknown
    const doc = A.from<{ n: number }>({ n: 1 })
    const before = A.getHeads(doc)
    const next = A.change(doc, { patchCallback: (p) => (patches = p) }, (d) => {
      d.n = 2
    })
    expect(A.diff(next, before, A.getHeads(next))).toBe(patches)
  })

  it('fails loudly when the code is not as expected', () => {
    expect(() => fixPatchCache('export function progressDocument() {}')).toThrow(/no longer/)
  })
})
