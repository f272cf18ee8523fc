import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { stripWasmNames } from '../../scripts/strip-wasm-names.ts'

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
/** A type section with one `() -> ()` function type. */
const TYPES = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00]
const custom = (name: string, payload: number[]) => {
  const nameBytes = [...new TextEncoder().encode(name)]
  const body = [nameBytes.length, ...nameBytes, ...payload]
  return [0x00, body.length, ...body]
}

describe('stripping the name section from wasm', () => {
  it('drops the name section and keeps every other section as it was', () => {
    const module = new Uint8Array([
      ...HEADER,
      ...TYPES,
      ...custom('name', [1, 2, 3]),
      ...custom('producers', [0]),
    ])
    const stripped = stripWasmNames(module)
    expect([...stripped]).toEqual([...HEADER, ...TYPES, ...custom('producers', [0])])
    expect(WebAssembly.validate(new Uint8Array(stripped))).toBe(true)
  })

  it('gives back the same bytes when there is no name section', () => {
    const module = new Uint8Array([...HEADER, ...TYPES])
    expect(stripWasmNames(module)).toBe(module)
  })

  it('refuses bytes that are not a well-formed module', () => {
    expect(() => stripWasmNames(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a wasm/)
    expect(() => stripWasmNames(new Uint8Array([...HEADER, 0x01, 0x7f, 0x00]))).toThrow(
      /past the end/,
    )
  })

  it('leaves Automerge’s wasm smaller, valid, and with the same imports and exports', async () => {
    const path = fileURLToPath(
      new URL(
        '../../node_modules/@automerge/automerge/dist/mjs/wasm_bindgen_output/bundler/automerge_wasm_bg.wasm',
        import.meta.url,
      ),
    )
    const original = new Uint8Array(readFileSync(path))
    const stripped = stripWasmNames(original)
    expect(stripped.length).toBeLessThan(original.length * 0.9)
    const [before, after] = await Promise.all([
      WebAssembly.compile(original),
      WebAssembly.compile(new Uint8Array(stripped)),
    ])
    expect(WebAssembly.Module.exports(after)).toEqual(WebAssembly.Module.exports(before))
    expect(WebAssembly.Module.imports(after)).toEqual(WebAssembly.Module.imports(before))
    expect(WebAssembly.Module.customSections(after, 'name')).toHaveLength(0)
  })
})
