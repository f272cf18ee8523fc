/**
 * Makes Automerge build a change's patches only for someone who reads them.
 *
 * After each `change`, `merge`, `applyChanges`, sync message or incremental load, Automerge's JS
 * layer brings the document's JS object up to date with `applyAndReturnPatches`, which also
 * hands every patch back to JavaScript (an object and a path array per operation) to be kept as
 * the document's `mostRecentPatch`. automerge-repo reads those patches for its `change` event,
 * which since scripts/automerge-repo-load.ts works them out only when a listener reads them; in
 * this app hardly any listener does. Building them was about a quarter of writing a contact
 * import (22 patches per contact) and is part of every chat message's cost in the worker.
 *
 * The fix: with no patch callback, the JS object is updated with `applyPatches`, which does the
 * same without returning the patches; `diff` then works them out from the history when asked
 * (the same patches: Automerge's own `diff` over the same heads). With a callback nothing
 * changes. The transform fails the build if the code is not as expected, so an Automerge
 * upgrade that changes it is noticed.
 */
import type { Plugin } from 'vite'
import { replaceExpected, sourceFixPlugin } from './source-fix-plugin.ts'

const FILE = /[\\/]@automerge[\\/]automerge[\\/]dist[\\/]mjs[\\/]implementation\.js$/
const APPLY =
  /(\n\s*)const \{ value: nextDoc, patches \} = state\.handle\.applyAndReturnPatches\(doc, nextState\);/

/** The implementation with the fix; throws if the code is not as expected. */
export function fixUnreadPatches(code: string): string {
  return replaceExpected(
    code,
    APPLY,
    '$1if (callback == null) {' +
      '$1    const nextDoc = state.handle.applyPatches(doc, nextState);' +
      '$1    state.heads = heads;' +
      '$1    return nextDoc;' +
      '$1}' +
      '$&',
    { name: 'automerge-unread-patches', expected: 'Automerge no longer updates a document' },
  )
}

export function automergeUnreadPatches(): Plugin {
  return sourceFixPlugin('peerplace-automerge-unread-patches', [
    { file: FILE, fix: fixUnreadPatches },
  ])
}
