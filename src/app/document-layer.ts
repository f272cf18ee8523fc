import { preloadAutomergeWasm } from './wasm-preload.ts'
import type * as StartWorkplaces from './start-workplaces.ts'

/**
 * Loads the document layer (Automerge, its wasm, and the code that opens the workplaces) in
 * steps, each its own task, so the main thread is never held long in one piece:
 * - the wasm's download starts at once (a preload), beside the scripts rather than after them;
 * - Automerge's modules are evaluated (and its wasm compiled while it streams in);
 * - after a yield to the browser, the rest of the layer is evaluated.
 * `atOnce` (someone is waiting to join): the rest of the layer is fetched beside the wasm instead
 * of after it (on slow mobile data its 60 KB arrived half a second after the wasm otherwise), and
 * evaluated as soon as Automerge is, with no yield between.
 */
export async function loadDocumentLayer(
  document?: Pick<Document, 'createElement' | 'head' | 'querySelector'>,
  options: { atOnce?: boolean } = {},
): Promise<typeof StartWorkplaces> {
  if (document) preloadAutomergeWasm(document)
  if (options.atOnce) return import('./start-workplaces.ts')
  await import('@automerge/automerge-repo')
  await new Promise<void>((resolve) => setTimeout(resolve, 0))
  return import('./start-workplaces.ts')
}
