import type { Verdict } from './record-proof.ts'

/** A judge that remembers whether any verdict it gave was `pending` since last asked. */
export interface TrackingJudge<A extends unknown[]> {
  judge: (...args: A) => Verdict
  /** Whether a verdict was `pending` since the last call; resets the flag. */
  takePending(): boolean
}

/**
 * Judges through `authorship` (a workplace's Authorship), noting `pending` verdicts: a reader
 * that saw one reads again on the next `verified` (or `change`) event rather than act on a
 * half-judged document.
 */
export function trackingJudge<A extends unknown[]>(authorship: {
  check(...args: A): Verdict
}): TrackingJudge<A> {
  let pending = false
  return {
    judge: (...args) => {
      const verdict = authorship.check(...args)
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
