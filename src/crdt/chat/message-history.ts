import { isPeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import type { RecordPart, Written } from '../authorship/record-origins.ts'
import type { Verdict } from '../../peer/identity/record-proof.ts'
import { deleteClaim, editClaim } from './chat-claims.ts'
import { compareHlc, isHlc, type Hlc } from './hlc.ts'
import { str } from './stored-string.ts'

/**
 * A message's history (record-origins.ts): how many objects were ever created under its ID, and
 * those objects as they stand now.
 */
export interface MessageHistory {
  count: number
  /** Whether some record under the ID was created with a proof. */
  signed: boolean
  parts: () => readonly RecordPart[]
  /** Every reaction entry ever written under the ID (into any of its `re` maps), in order. */
  reactions: () => readonly Written[]
}

type Stored = Record<string, unknown>

/**
 * The message under `id` as its author wrote it, whatever others did to the shard since: one
 * candidate per record created under `id` with its author's proof (newest first), holding the
 * fields that record was created with, the author's genuine deletion or else newest genuine
 * edit wherever it was written under `id`, and the rest (reactions) as the record holds them
 * now. No member can remove what was written from the history, nor sign in another's name; so a
 * message, its deletion and its edits stay as their author wrote them when another member
 * removes or overwrites them in the document. `pending` while a signature is being checked.
 */
export function messageCandidates(
  id: string,
  parts: readonly RecordPart[],
  shard: string,
  judge: Judge,
): Stored[] | 'pending' {
  const out: Stored[] = []
  for (let i = parts.length - 1; i >= 0; i--) {
    const { created, now } = parts[i]!
    if (created?.s === undefined) continue
    const author = str(created.a)
    if (!isPeerId(author)) continue
    const { a, t, x, r, s } = created
    const record: Stored = { ...(isStored(now) ? now : {}), a, t, x, r, s }
    let pending = false
    const genuine = (verdict: Verdict) => {
      if (verdict === 'pending') pending = true
      return verdict === 'genuine'
    }
    const deletion = parts.find((p) => {
      const del = atPath(p, 'del', author)
      const at = str(del?.t)
      return isHlc(at) && genuine(judge(deleteClaim(shard, id, author, at), del!.s))
    })
    let newest: { at: Hlc; edit: Stored } | undefined
    for (const p of deletion ? [] : parts) {
      const edit = atPath(p, 'ed', author)
      const at = str(edit?.t)
      const text = str(edit?.x)
      if (!isHlc(at) || text === undefined || (newest && compareHlc(at, newest.at) <= 0)) continue
      if (genuine(judge(editClaim(shard, id, author, at, text), edit!.s))) {
        newest = { at, edit: edit! }
      }
    }
    if (pending) return 'pending'
    if (deletion) record.del = { [author]: deletion.now }
    else if (newest) record.ed = { [author]: newest.edit }
    out.push(record)
  }
  return out
}

/** How many objects (maps, lists, text) a stored record holds, itself included. */
export function countObjects(value: unknown): number {
  if (typeof value !== 'object' || value === null || 'val' in value) return 0
  let count = 1
  for (const child of Object.values(value)) count += countObjects(child)
  return count
}

/** A part's state if it lies at `path` inside its record and is a map. */
function atPath(part: RecordPart, ...path: string[]): Stored | undefined {
  if (part.path.length !== path.length || part.path.some((p, i) => p !== path[i])) return
  return isStored(part.now) ? part.now : undefined
}

function isStored(value: unknown): value is Stored {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
