/**
 * Makes automerge-repo read a stored document in one pass instead of three.
 *
 * automerge-repo 2.5 loads a document from storage as `A.loadIncremental(A.init(), binary)`:
 * Automerge applies every stored change to an empty document, works out the patches from empty
 * to the whole document and builds the JS object by applying them one by one. The DocHandle then
 * diffs the document from empty to its heads for its `change` event: the same patches again
 * (served from Automerge's last-patch cache, scripts/automerge-patch-cache.ts, but built and
 * decoded once all the same). For a 10,000-contact book that was a single main-thread task of
 * about three seconds.
 *
 * The fix has two parts:
 * - The storage subsystem loads with `A.load(binary)`, which builds the JS object straight from
 *   the document (several times cheaper than applying patches). Stored chunks whose
 *   dependencies are missing make `load` throw; those are loaded as before.
 * - The patches of a DocHandle's `change` event are worked out only if a listener reads them.
 *   On a document's first contents (from storage or a peer) they are empty to everything, and
 *   the one listening then is automerge-repo's synchronizer, which only needs to know that the
 *   document changed. Later, few listeners read them either (the contact book reads those of
 *   changes from peers), and with scripts/automerge-unread-patches.ts Automerge no longer builds
 *   them while updating the document. The event is sent whenever the heads changed, where as
 *   shipped it was left out for a change whose patches were empty (a change that changed nothing
 *   readable), which listeners take as "look again".
 *
 * The transform fails the build if the code is not as expected, so an automerge-repo upgrade
 * that changes it is noticed (and this plugin removed once done there).
 */
import type { Plugin } from 'vite'
import { replaceExpected, sourceFixPlugin } from './source-fix-plugin.ts'

const STORAGE = /[\\/]@automerge[\\/]automerge-repo[\\/]dist[\\/]storage[\\/]StorageSubsystem\.js$/
const HANDLE = /[\\/]@automerge[\\/]automerge-repo[\\/]dist[\\/]DocHandle\.js$/

const SLOW_LOAD = /const newDoc = A\.loadIncremental\(A\.init\(\), binary\);/
const FAST_LOAD =
  'let newDoc;\n' +
  '        try { newDoc = A.load(binary); }\n' +
  '        catch { newDoc = A.loadIncremental(A.init(), binary); }'

const EAGER_DIFF =
  /const patches = A\.diff\(after, beforeHeads, afterHeads\);(\s*)if \(patches\.length > 0\) \{(\s*)this\.emit\("change", \{(\s*)handle: this,(\s*)doc: after,(\s*)patches,/
const LAZY_DIFF =
  'let patches;$1' +
  '{$2' +
  'this.emit("change", {$3' +
  'handle: this,$4' +
  'doc: after,$5' +
  'get patches() { return (patches ??= A.diff(after, beforeHeads, afterHeads)); },'

function replaceOnce(code: string, find: RegExp, replacement: string, what: string): string {
  return replaceExpected(code, find, replacement, {
    name: 'automerge-repo-load',
    expected: `automerge-repo no longer ${what}`,
  })
}

/** StorageSubsystem.js with the fix; throws if the code is not as expected. */
export function fixStoredLoad(code: string): string {
  return replaceOnce(code, SLOW_LOAD, FAST_LOAD, 'loads stored documents')
}

/** DocHandle.js with the fix; throws if the code is not as expected. */
export function fixUnheardDiff(code: string): string {
  return replaceOnce(code, EAGER_DIFF, LAZY_DIFF, 'diffs a changed document')
}

export function automergeRepoLoad(): Plugin {
  return sourceFixPlugin('peerplace-automerge-repo-load', [
    { file: STORAGE, fix: fixStoredLoad },
    { file: HANDLE, fix: fixUnheardDiff },
  ])
}
