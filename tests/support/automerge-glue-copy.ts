import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type * as Automerge from '@automerge/automerge'

const dist = fileURLToPath(
  new URL('../../node_modules/@automerge/automerge/dist/mjs', import.meta.url),
)
const GLUE = join('wasm_bindgen_output', 'bundler', 'automerge_wasm_bg.js')

/** Starts the wasm as a bundler would, with the glue (Node cannot import a .wasm module). */
const START = `import { readFileSync } from 'node:fs'
import * as glue from './automerge_wasm_bg.js'
const bytes = readFileSync(new URL('./automerge_wasm_bg.wasm', import.meta.url))
const { instance } = await WebAssembly.instantiate(bytes, { './automerge_wasm_bg.js': glue })
glue.__wbg_set_wasm(instance.exports)
instance.exports.__wbindgen_start()
export * from './automerge_wasm_bg.js'
`
const ENTRY = `import { UseApi } from '../low_level.js'
import * as api from '../wasm_bindgen_output/bundler/start.js'
UseApi(api)
export * from '../index.js'
`

export type Am = typeof Automerge

/**
 * Copies of the installed Automerge that run its browser (bundler) glue, as shipped or as a
 * build transform rewrites it, so a test can compare the two. `dispose` removes the copies.
 */
export function automergeGlueCopies(): {
  load: (transform?: (code: string) => string) => Promise<Am>
  glue: () => string
  dispose: () => void
} {
  const root = mkdtempSync(join(tmpdir(), 'automerge-glue-'))
  let copies = 0
  return {
    glue: () => readFileSync(join(dist, GLUE), 'utf8'),
    async load(transform) {
      const dir = join(root, String(copies++))
      cpSync(dist, dir, { recursive: true })
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
      if (transform)
        writeFileSync(join(dir, GLUE), transform(readFileSync(join(dir, GLUE), 'utf8')))
      writeFileSync(join(dir, 'wasm_bindgen_output', 'bundler', 'start.js'), START)
      writeFileSync(join(dir, 'entrypoints', 'glue_test.js'), ENTRY)
      return (await import(pathToFileURL(join(dir, 'entrypoints', 'glue_test.js')).href)) as Am
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  }
}
