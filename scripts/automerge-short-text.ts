/**
 * Reads the short ASCII strings Automerge's wasm hands to JavaScript without a TextDecoder.
 *
 * Automerge's wasm-bindgen glue turns every string that leaves the wasm into a JS string with
 * `TextDecoder.decode` on a fresh view of the wasm memory. Bringing the JS copy of a document up
 * to date after a change decodes every key and value of every patch that way: most are a few
 * bytes long (`contacts`, `phones`, `label`, …), and for those the native call's fixed cost is
 * more than the decoding. A 5,000-contact import spent about 450 ms in `decode` alone. A loop
 * over the bytes costs about 0.1 µs for a string of up to 12 bytes against about 0.2 µs for the
 * native call, and breaks even near 28 bytes, so strings of up to SHORT bytes that are all ASCII
 * take the loop; anything else still goes to the TextDecoder.
 *
 * The result is the same string: ASCII bytes are valid UTF-8 that decodes one byte to one code
 * unit, and the options the glue decodes with (`fatal`, `ignoreBOM`) only matter for bytes
 * above 0x7f. The transform fails the build if the function is not found, so an Automerge
 * upgrade that changes it is noticed.
 */
import type { Plugin } from 'vite'
import { sourceFixPlugin } from './source-fix-plugin.ts'

const FILE =
  /[\\/]@automerge[\\/]automerge[\\/]dist[\\/]mjs[\\/]wasm_bindgen_output[\\/]bundler[\\/]automerge_wasm_bg\.js$/
const DECODE = /function decodeText\(ptr, len\) \{\n/
const SHORT = 24

const FAST_PATH = `    if (len <= ${SHORT}) {
        const bytes = getUint8ArrayMemory0();
        const end = ptr + len;
        let text = '';
        let at = ptr;
        for (; at < end; at++) {
            const byte = bytes[at];
            if (byte > 0x7f) break;
            text += String.fromCharCode(byte);
        }
        if (at === end) return text;
    }
`

/** The glue with the fast path; throws if its `decodeText` is not as expected. */
export function addShortTextPath(code: string): string {
  if (!DECODE.test(code) || !code.includes('function getUint8ArrayMemory0()')) {
    throw new Error(
      "automerge-short-text: Automerge's glue no longer decodes strings as expected; " +
        'check whether the fast path still fits (scripts/automerge-short-text.ts)',
    )
  }
  return code.replace(DECODE, (line) => line + FAST_PATH)
}

export function automergeShortText(): Plugin {
  return sourceFixPlugin('peerplace-automerge-short-text', [{ file: FILE, fix: addShortTextPath }])
}
