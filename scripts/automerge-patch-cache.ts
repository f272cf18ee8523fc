/**
 * Makes Automerge's cache of the last patch work, so a document is not diffed twice.
 *
 * Each `change`, `loadIncremental` and merge in Automerge's JS layer works out the patches that
 * bring the JS view of the document up to date, and keeps them on the new document as its
 * `mostRecentPatch`, so that a `diff` over the same heads right after returns them instead of
 * working them out again. automerge-repo's DocHandle does exactly that after every update, to
 * emit its `change` event. But Automerge 3.5 records the patch's starting heads as
 * `_state(doc).heads`, which is always undefined for a document that is not a view, so the cache
 * never matches and every update is diffed a second time: loading a 10,000-contact book computed
 * and decoded every patch of the whole document twice (a quarter of the load).
 *
 * The fix records the heads the patch starts from (`heads`, the argument the function already
 * has). The transform fails the build if the line is not found, so an Automerge upgrade that
 * changes it is noticed (and this plugin removed once fixed there).
 */
import type { Plugin } from 'vite'
import { replaceExpected, sourceFixPlugin } from './source-fix-plugin.ts'

const FILE = /[\\/]@automerge[\\/]automerge[\\/]dist[\\/]mjs[\\/]implementation\.js$/
const BROKEN = /(newState\.mostRecentPatch = \{\s*before: )_state\(doc\)\.heads,/

/** The implementation with the fix; throws if the code is not as expected. */
export function fixPatchCache(code: string): string {
  return replaceExpected(code, BROKEN, '$1heads,', {
    name: 'automerge-patch-cache',
    expected: 'Automerge no longer records mostRecentPatch',
  })
}

export function automergePatchCache(): Plugin {
  return sourceFixPlugin('peerplace-automerge-patch-cache', [{ file: FILE, fix: fixPatchCache }])
}
