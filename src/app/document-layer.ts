// The very file vite-plugin-wasm instantiates (an alias in vite.config.ts): the same bytes, so
// the build emits it once and this is its URL.
import automergeWasm from 'automerge-wasm-file?url'
import type * as StartWorkplaces from './start-workplaces.ts'

/**
 * Loads the document layer (Automerge, its wasm, and the code that opens the workplaces) in
 * steps, each its own task, so the main thread is never held long in one piece:
 * - the wasm's download starts at once (a preload), beside the scripts rather than after them;
 * - Automerge's modules are evaluated (and its wasm compiled while it streams in);
 * - after a yield to the browser, the rest of the layer is evaluated.
 */
export async function loadDocumentLayer(
  document?: Pick<Document, 'createElement' | 'head'>,
): Promise<typeof StartWorkplaces> {
  if (document) preload(document, automergeWasm)
  await import('@automerge/automerge-repo')
  await new Promise<void>((resolve) => setTimeout(resolve, 0))
  return import('./start-workplaces.ts')
}

/** Starts a fetch that Automerge's own `fetch(url)` (same mode and credentials) takes over. */
function preload(document: Pick<Document, 'createElement' | 'head'>, href: string): void {
  const link = document.createElement('link')
  link.rel = 'preload'
  link.as = 'fetch'
  link.crossOrigin = 'anonymous'
  link.href = href
  document.head.append(link)
}
