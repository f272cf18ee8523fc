import type { Claim, Verdict } from '../../peer/identity/record-proof.ts'
import { isPeerId } from '../../peer/ids.ts'
import type { ChangeNote } from './change-note.ts'

/**
 * What proves who wrote a change to the contact book. The writer's device signs the change's
 * hash (which covers its operations, its note and its place in the history) together with the
 * note: so a note cannot be copied onto other operations, nor a writer named who did not write
 * it. The proof follows in the next change (change-note.ts `ProofNote`).
 *
 * Changes written before notes were signed (or by a forger) keep their place in a contact's
 * history and their values, but their writer shows as "unverified" (see ContactBook.history).
 */
const CONTACTS_CLAIM_DOC = 'contacts'

/** The claim a change's writer signs; undefined when the note names no peer at all. */
export function changeClaim(hash: string, note: ChangeNote, time: number): Claim | undefined {
  if (!isPeerId(note.by)) return undefined
  return {
    doc: CONTACTS_CLAIM_DOC,
    key: hash,
    peer: note.by,
    content: { op: note.op, c: note.contacts, f: note.fields },
    clock: time,
  }
}

/** The verdict on a change from its candidate proofs: genuine if any one holds. */
export function bestVerdict(verdicts: Iterable<Verdict>): Verdict {
  let best: Verdict = 'unsigned'
  for (const verdict of verdicts) {
    if (verdict === 'genuine') return verdict
    if (verdict === 'pending' || best === 'unsigned') best = verdict
  }
  return best
}
