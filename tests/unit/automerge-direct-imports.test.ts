import { afterAll, describe, expect, it } from 'vitest'
import { unwrapImports } from '../../scripts/automerge-direct-imports.ts'
import { automergeGlueCopies, type Am } from '../support/automerge-glue-copy.ts'

const copies = automergeGlueCopies()
afterAll(() => copies.dispose())

interface Doc {
  contacts: Record<string, { given: unknown; phones: Record<string, { value: unknown }> }>
  note?: unknown
}

/** A few changes through the paths the imports serve: nested objects, strings, numbers, deletes. */
function history(A: Am): { doc: Doc; saved: Uint8Array } {
  let doc = A.init<Doc>({ actor: '0123456789abcdef' })
  doc = A.change(doc, { time: 1 }, (d) => {
    d.contacts = {}
    for (let i = 0; i < 20; i++)
      d.contacts[`c${i}`] = {
        given: new A.ImmutableString(`Zoë ${i} ${'x'.repeat(i * 3)}`),
        phones: { p: { value: new A.ImmutableString(`+1 555 ${i}`) } },
      }
    d.note = 'plain text'
  })
  doc = A.change(doc, { time: 2 }, (d) => {
    delete d.contacts.c3
    d.contacts.c4!.phones.p!.value = 42
  })
  return { doc, saved: A.save(doc) }
}

describe("Automerge's imports without a closure per call (scripts/automerge-direct-imports.ts)", () => {
  it('unwraps every wrapped import', () => {
    const shipped = copies.glue()
    expect(shipped).toContain('return wrapError(function')
    const out = unwrapImports(shipped)
    expect(out).not.toContain('return wrapError(')
    expect(out.match(/catch \(e\) \{ throw thrownForWasm\(e\); \}/g)?.length).toBe(
      shipped.match(/return wrapError\(function/g)?.length,
    )
  })

  it('builds the same documents as the shipped glue', async () => {
    const shipped = history(await copies.load())
    const unwrapped = history(await copies.load(unwrapImports))
    expect(unwrapped.saved).toEqual(shipped.saved)
    expect(JSON.parse(JSON.stringify(unwrapped.doc))).toEqual(
      JSON.parse(JSON.stringify(shipped.doc)),
    )
    expect(JSON.stringify(unwrapped.doc)).toContain('Zoë 19')
  })

  it('passes an error thrown in JavaScript during a wasm call through, and goes on working', async () => {
    for (const A of [await copies.load(), await copies.load(unwrapImports)]) {
      const doc = A.from<{ x?: unknown }>({})
      const boom = new Error('boom')
      const thrown = (() => {
        try {
          A.change(doc, (d) => {
            d.x = {
              get y() {
                throw boom
              },
            }
          })
        } catch (error) {
          return error
        }
      })()
      expect(thrown).toBe(boom)
      // The wasm unwound cleanly: a JS exception it did not expect would have ended the module.
      expect(A.change(doc, (d) => (d.x = 1)).x).toBe(1)
    }
  })

  it('fails loudly when the glue is not as expected', () => {
    expect(() => unwrapImports('export function f() {}')).toThrow(/wrapError is not as expected/)
    const glue = copies.glue()
    const reads = glue.replace(/(return wrapError\(function \([^)]*\) \{\n)/, '$1    void this;\n')
    expect(() => unwrapImports(reads)).toThrow(/reads this or arguments/)
  })
})
