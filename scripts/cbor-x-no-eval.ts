/**
 * Keeps cbor-x (automerge-repo's message codec) from probing for eval.
 *
 * When its decoder module loads, cbor-x calls `new Function('')` to learn whether it may compile
 * fast readers for repeated record shapes, and gives up on them when that throws. The app's
 * Content-Security-Policy allows no eval, so in the page and every worker the probe always
 * throws, and the browser reports a CSP violation (and lists an issue an auditor sees) for each
 * load. The fix sets the outcome the probe always had here: no compiled readers, no probe.
 * The transform fails the build if the probe is not found as expected.
 */
import type { Plugin } from 'vite'
import { replaceExpected, sourceFixPlugin } from './source-fix-plugin.ts'

const FILE = /[\\/]cbor-x[\\/]decode\.js$/
const PROBE =
  /try \{\s*new Function\(''\)\s*\} catch\(error\) \{\s*(?:\/\/[^\n]*\n\s*)?inlineObjectReadThreshold = Infinity\s*\}/

/** The decoder without the probe; throws if the code is not as expected. */
export function removeEvalProbe(code: string): string {
  // Under a CSP without 'unsafe-eval', what the probe always concluded.
  return replaceExpected(code, PROBE, 'inlineObjectReadThreshold = Infinity', {
    name: 'cbor-x-no-eval',
    expected: 'cbor-x no longer probes for eval',
  })
}

export function cborNoEval(): Plugin {
  return sourceFixPlugin('peerplace-cbor-x-no-eval', [{ file: FILE, fix: removeEvalProbe }])
}
