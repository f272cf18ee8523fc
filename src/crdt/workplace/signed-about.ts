import { isPeerId, type PeerId } from '../../peer/ids.ts'
import type { Judge } from '../authorship/authorship.ts'
import type { OriginalFields, RecordPart } from '../authorship/record-origins.ts'
import type { Claim } from '../../peer/identity/record-proof.ts'
import { cleanText, type RootDoc } from './root-doc.ts'

/** The workplace's name and description, each set by an owner's signed record. */
export type AboutField = 'name' | 'description'

/** One owner's latest value of a field: the value, when (ms), and its proof. */
interface AboutRecord {
  v: string
  t: number
  s: string
}

/** One member's display name as it wrote it: the name, when (ms), and its proof. */
interface ProfileRecord {
  name: string
  updatedAt: number
  s?: string
}

export function aboutClaim(field: AboutField, owner: PeerId, value: string, at: number): Claim {
  return { doc: 'root', key: `about/${field}`, peer: owner, content: value, clock: at }
}

export function profileClaim(peer: PeerId, name: string, at: number): Claim {
  return { doc: 'root', key: `profiles/${peer}`, peer, content: name, clock: at }
}

/**
 * A field's current value: the newest genuine owner's record (ties by peer ID), or undefined.
 * Records are kept per owner, so no one's write replaces another's; `pending` hears of any
 * record still being checked. With `history` (the objects ever created under `about[field]`,
 * record-origins.ts), every owner's record ever written counts: nobody removes one honestly (an
 * owner's new value is a newer record), so one another member removed or overwrote still does.
 */
export function readAbout(
  doc: RootDoc | undefined,
  field: AboutField,
  judge: Judge,
  history?: () => readonly RecordPart[],
): string | undefined {
  const records = doc?.about?.[field]
  const stored = typeof records === 'object' && records !== null ? Object.entries(records) : []
  const written = history
    ? history()
        .filter((part) => part.path.length === 1)
        .map((part): [string, unknown] => [part.path[0]!, part.now])
    : []
  let best: { peer: string; t: number; v: string } | undefined
  for (const [peer, raw] of [...stored, ...written]) {
    if (!isPeerId(peer) || typeof raw !== 'object' || raw === null) continue
    const { v, t, s } = raw as Partial<AboutRecord>
    if (typeof v !== 'string' || typeof t !== 'number' || !Number.isFinite(t)) continue
    if (best && (t < best.t || (t === best.t && peer <= best.peer))) continue
    if (judge(aboutClaim(field, peer, v, t), s, 'owner') !== 'genuine') continue
    best = { peer, t, v }
  }
  return best?.v
}

/**
 * A member's display name if its own device signed it, else undefined. With `origins`, a name
 * someone else overwrote or removed is read as the member last signed it (from the document's
 * history: see record-origins.ts).
 */
export function readProfile(
  doc: RootDoc | undefined,
  peer: PeerId,
  judge: Judge,
  origins?: (peer: PeerId) => readonly OriginalFields[],
): string | undefined {
  const profiles = doc?.profiles
  const raw = profiles && Object.hasOwn(profiles, peer) ? profiles[peer] : undefined
  const current = judgeName(raw, peer, judge)
  if (current.verdict === 'genuine') return current.name
  // While the stored name is being checked, or with no history to look in, no name for now.
  if (current.verdict === 'pending' || !origins) return undefined
  let best: { name: string; at: number } | undefined
  for (const version of origins(peer)) {
    const { verdict, name, at } = judgeName(version, peer, judge)
    if (verdict === 'genuine' && name && (!best || at > best.at)) best = { name, at }
  }
  return best?.name
}

function judgeName(
  raw: unknown,
  peer: PeerId,
  judge: Judge,
): { verdict: string; name?: string; at: number } {
  if (typeof raw !== 'object' || raw === null) return { verdict: 'missing', at: 0 }
  const { name, updatedAt, s } = raw as Partial<ProfileRecord>
  if (typeof name !== 'string' || typeof updatedAt !== 'number' || !Number.isFinite(updatedAt)) {
    return { verdict: 'malformed', at: 0 }
  }
  const verdict = judge(profileClaim(peer, name, updatedAt), s)
  const clean = cleanText(name, '')
  return { verdict: clean ? verdict : 'empty', name: clean, at: updatedAt }
}
