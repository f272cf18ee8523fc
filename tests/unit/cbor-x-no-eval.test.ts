import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Encoder } from 'cbor-x'
import type * as CborX from 'cbor-x'
import { afterAll, describe, expect, it } from 'vitest'
import { removeEvalProbe } from '../../scripts/cbor-x-no-eval.ts'

const shippedDecoder = join(
  createRequire(import.meta.url).resolve('cbor-x/package.json'),
  '..',
  'decode.js',
)
const copy = mkdtempSync(join(tmpdir(), 'cbor-x-no-eval-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

type DecoderModule = typeof CborX

/**
 * Loads a copy of cbor-x's decoder, as shipped or as the build fixes it, with the global
 * Function constructor watched (the caller puts the original back): what it was asked to
 * compile, at load and after.
 */
async function loadDecoder(
  fixed: boolean,
): Promise<{ module: DecoderModule; compiled: string[][] }> {
  const source = readFileSync(shippedDecoder, 'utf8')
  const file = join(copy, `decode-${fixed ? 'fixed' : 'shipped'}.js`)
  writeFileSync(file, fixed ? removeEvalProbe(source) : source)
  const compiled: string[][] = []
  const original = globalThis.Function
  globalThis.Function = new Proxy(original, {
    construct(target, args: string[]) {
      compiled.push(args)
      return Reflect.construct(target, args) as object
    },
    apply(target, self, args: string[]) {
      compiled.push(args)
      return Reflect.apply(target, self, args) as unknown
    },
  })
  const module = (await import(pathToFileURL(file).href)) as DecoderModule
  return { module, compiled }
}

/** Many objects of one shape, as records: what makes cbor-x want compiled readers. */
function records(): { bytes: Uint8Array; value: unknown } {
  const value = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `n${i}`, on: i % 2 === 0 }))
  return { bytes: new Encoder({ useRecords: true }).encode(value), value }
}

describe("cbor-x's eval probe (scripts/cbor-x-no-eval.ts)", () => {
  it('is gone: the fixed decoder compiles nothing, at load or for repeated records', async () => {
    const Function = globalThis.Function
    try {
      const shipped = await loadDecoder(false)
      // As shipped it probes at load, and (where eval is allowed, as here) compiles readers.
      expect(shipped.compiled[0]).toEqual([''])
      const { bytes, value } = records()
      expect(new shipped.module.Decoder({ useRecords: true }).decode(bytes)).toEqual(value)
      expect(shipped.compiled.length).toBeGreaterThan(1)

      const fixed = await loadDecoder(true)
      expect(new fixed.module.Decoder({ useRecords: true }).decode(bytes)).toEqual(value)
      expect(fixed.module.decode(new Encoder().encode({ a: [1, 'b'] }))).toEqual({ a: [1, 'b'] })
      expect(fixed.compiled).toEqual([])
    } finally {
      globalThis.Function = Function
    }
  })

  it('fails the build on a decoder it does not recognise', () => {
    expect(() => removeEvalProbe('export const decode = () => {}')).toThrow(/cbor-x-no-eval/)
  })
})
