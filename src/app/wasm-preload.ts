// The very file vite-plugin-wasm instantiates (an alias in vite.config.ts): the same bytes, so
// the build emits it once and this is its URL.
import automergeWasm from 'automerge-wasm-file?url'

/**
 * Starts downloading Automerge's wasm (a preload that Automerge's own `fetch(url)`, same mode
 * and credentials, takes over), once per page. It is most of the bytes a first visit moves, so
 * a page that needs the documents at once starts it before anything else.
 */
export function preloadAutomergeWasm(
  document: Pick<Document, 'createElement' | 'head' | 'querySelector'>,
): void {
  if (document.querySelector(`link[rel="preload"][href="${automergeWasm}"]`)) return
  const link = document.createElement('link')
  link.rel = 'preload'
  link.as = 'fetch'
  link.crossOrigin = 'anonymous'
  link.href = automergeWasm
  document.head.append(link)
}
