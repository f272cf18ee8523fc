import type { Authorship, Judge } from './authorship.ts'

/** A judge that remembers whether any verdict it gave was `pending` since last asked. */
export interface TrackingJudge {
  judge: Judge
  /** Whether a verdict was `pending` since the last call; resets the flag. */
  takePending(): boolean
}

/**
 * Judges through `authorship`, noting `pending` verdicts: a reader that saw one reads again
 * on the next `verified` (or `change`) event rather than act on a half-judged document.
 */
export function trackingJudge(authorship: Pick<Authorship, 'check'>): TrackingJudge {
  let pending = false
  return {
    judge: (claim, proof, required) => {
      const verdict = authorship.check(claim, proof, required)
      if (verdict === 'pending') pending = true
      return verdict
    },
    takePending() {
      const was = pending
      pending = false
      return was
    },
  }
}
