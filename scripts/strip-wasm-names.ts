/**
 * Drops the `name` custom section (function names for debuggers and stack traces) from the
 * WebAssembly a build emits. Automerge's wasm ships with one: 0.69 MB of its 3.6 MB, about 50 KB
 * of the brotli bytes a first visit downloads, for names no user ever sees. The code, and so
 * what the module does, is untouched; wasm panics still carry their messages.
 */
import type { Plugin } from 'vite'

const MAGIC = [0x00, 0x61, 0x73, 0x6d]
const CUSTOM_SECTION = 0

/** Reads an unsigned LEB128 at `at`: its value and the offset after it. */
function readUleb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0
  let shift = 0
  for (let i = at; i < bytes.length && shift < 35; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return { value, next: i + 1 }
    shift += 7
  }
  throw new Error('wasm: malformed length')
}

/**
 * The module without its `name` section; the same bytes when it has none. Throws on bytes that
 * are not a well-formed sequence of sections (a build must not ship a module it cut wrongly).
 */
export function stripWasmNames(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not a wasm module')
  const kept: Uint8Array[] = [bytes.subarray(0, 8)]
  let stripped = false
  let at = 8
  while (at < bytes.length) {
    const start = at
    const size = readUleb(bytes, at + 1)
    const end = size.next + size.value
    if (end > bytes.length) throw new Error('wasm: a section runs past the end')
    let isNames = false
    if (bytes[start] === CUSTOM_SECTION) {
      const nameLength = readUleb(bytes, size.next)
      const name = new TextDecoder().decode(
        bytes.subarray(nameLength.next, nameLength.next + nameLength.value),
      )
      isNames = name === 'name'
    }
    if (isNames) stripped = true
    else kept.push(bytes.subarray(start, end))
    at = end
  }
  if (!stripped) return bytes
  const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of kept) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Strips the `name` section of every `.wasm` asset of the bundle before it is written. */
export function stripWasmNamesPlugin(): Plugin {
  return {
    name: 'peerplace:strip-wasm-names',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type !== 'asset' || !output.fileName.endsWith('.wasm')) continue
        if (typeof output.source === 'string') continue
        const before = output.source.length
        output.source = stripWasmNames(output.source)
        if (output.source.length !== before) {
          this.info(
            `${output.fileName}: ${before} -> ${output.source.length} bytes (no name section)`,
          )
        }
      }
    },
  }
}
