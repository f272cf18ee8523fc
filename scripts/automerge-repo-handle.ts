/**
 * Two checks a DocHandle makes on every update, and its readers on every read, made cheap.
 *
 * - Whether a document changed: after every update (a local change, a sync message, a pushed
 *   change) the handle compared the heads before and after in their URL form; `encodeHeads`
 *   turns each head into base58check, two SHA-256 rounds in JavaScript per head, twice per
 *   update. In the documents worker that was about 4% of its CPU in a busy chat. Automerge's own
 *   (hex) heads say the same: the encoding is one-to-one and keeps their order.
 * - Its state: `isReady()` (asked by `doc()` too) matched each state name through xstate's
 *   `matches`, which parses the name as a state path on every call; another 2%. The handle's
 *   states are all top-level, so its state value is a plain string to compare.
 *
 * The transforms fail the build if the code is not as expected, so an automerge-repo upgrade that
 * changes it is noticed.
 */
import type { Plugin } from 'vite'
import { replaceExpected, sourceFixPlugin } from './source-fix-plugin.ts'

const HANDLE = /[\\/]@automerge[\\/]automerge-repo[\\/]dist[\\/]DocHandle\.js$/
const ENCODED_COMPARE =
  /const docChanged = !headsAreSame\(encodeHeads\(afterHeads\), encodeHeads\(beforeHeads\)\);/
const MATCHED_STATE =
  /inState = \(states\) => states\.some\(s => this\.#machine\.getSnapshot\(\)\.matches\(s\)\);/

function replaceOnce(code: string, find: RegExp, replacement: string, what: string): string {
  return replaceExpected(code, find, replacement, {
    name: 'automerge-repo-handle',
    expected: `automerge-repo no longer ${what}`,
  })
}

/** DocHandle.js with both fixes; throws if the code is not as expected. */
export function fixHandleChecks(code: string): string {
  const compared = replaceOnce(
    code,
    ENCODED_COMPARE,
    'const docChanged = !headsAreSame(afterHeads, beforeHeads);',
    'compares encoded heads after an update',
  )
  return replaceOnce(
    compared,
    MATCHED_STATE,
    'inState = (states) => {' +
      ' const snapshot = this.#machine.getSnapshot();' +
      " return typeof snapshot.value === 'string'" +
      ' ? states.includes(snapshot.value)' +
      ' : states.some(s => snapshot.matches(s)); };',
    'matches its state by name',
  )
}

export function automergeRepoHandle(): Plugin {
  return sourceFixPlugin('peerplace-automerge-repo-handle', [
    { file: HANDLE, fix: fixHandleChecks },
  ])
}
