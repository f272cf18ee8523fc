/**
 * Calls the JavaScript functions Automerge's wasm imports without a closure per call.
 *
 * The wasm-bindgen glue Automerge ships wraps each of them (Reflect.set, Reflect.get,
 * defineProperty, the string casts…: 81 in all) as
 * `function f() { return wrapError(function (a, b) { …body… }, arguments) }`, so every call
 * from the wasm allocates a closure and an `arguments` object and goes through `apply`, only to
 * turn an exception into a `WebAssembly.Exception`. Bringing a document's JS copy up to date
 * after a change calls them once or more per key and value: a 5,000-contact import spent about
 * 640 ms inside `wrapError`, over 100 of them in the wrapper itself, and more while the code was
 * still cold.
 *
 * The transform gives each function its parameters and the same body inside a plain
 * `try`/`catch` whose `catch` does what `wrapError`'s does. No body reads `this` or `arguments`
 * (the transform checks), so each behaves exactly as before. It fails the build if the glue
 * does not have the expected shape, so an Automerge upgrade that changes it is noticed.
 */
import type { Plugin } from 'vite'
import { sourceFixPlugin } from './source-fix-plugin.ts'

const FILE =
  /[\\/]@automerge[\\/]automerge[\\/]dist[\\/]mjs[\\/]wasm_bindgen_output[\\/]bundler[\\/]automerge_wasm_bg\.js$/
const WRAPPED =
  /export function (\w+)\(\) \{ return wrapError\(function \(([^)]*)\) \{\n([\s\S]*?)\n\}, arguments\); \}/g
const WRAP_ERROR = `function wrapError(f, args) {
    try {
        return f.apply(this, args);
    } catch (e) {
        if (e instanceof WebAssembly.Exception) throw e;
        throw new WebAssembly.Exception(__wbindgen_jstag_polyfill, [e], { traceStack: true });
    }
}`
/** What wrapError's `catch` does, for the unwrapped functions to call. */
const FOR_WASM = `function thrownForWasm(e) {
    if (e instanceof WebAssembly.Exception) return e;
    return new WebAssembly.Exception(__wbindgen_jstag_polyfill, [e], { traceStack: true });
}`

const unexpected = (what: string) =>
  new Error(
    `automerge-direct-imports: ${what}; check whether the transform still fits ` +
      '(scripts/automerge-direct-imports.ts)',
  )

/** The glue with its wrapped imports unwrapped; throws if it is not as expected. */
export function unwrapImports(code: string): string {
  if (!code.includes(WRAP_ERROR)) throw unexpected('wrapError is not as expected')
  let count = 0
  const out = code.replace(WRAPPED, (_match, name: string, params: string, body: string) => {
    if (/\bthis\b|\barguments\b/.test(body)) throw unexpected(`${name} reads this or arguments`)
    count++
    return `export function ${name}(${params}) { try {\n${body}\n} catch (e) { throw thrownForWasm(e); } }`
  })
  if (count === 0 || out.includes('return wrapError(')) {
    throw unexpected(`${count} imports unwrapped, and some calls to wrapError are left`)
  }
  return out.replace(WRAP_ERROR, `${WRAP_ERROR}\n\n${FOR_WASM}`)
}

export function automergeDirectImports(): Plugin {
  return sourceFixPlugin('peerplace-automerge-direct-imports', [{ file: FILE, fix: unwrapImports }])
}
