import type { Identity } from './identity.ts'
import type { PeerId } from '../ids.ts'
import { fromBase64Url, toBase64Url } from '../../lib/base64.ts'
import { canonicalJson } from '../../lib/canonical-json.ts'

/**
 * Version of the record signature scheme. Documents written with it carry their records' proofs
 * beside the records; records without one were written before it (or by a forger) and are never
 * shown as genuine.
 */
const AUTHORSHIP_VERSION = 1

/** Domain separation: a record proof can never pass for a membership or link signature. */
const DOMAIN = `peerplace-record-v${AUTHORSHIP_VERSION}\n`

/** What a member vouches for when it writes a record into one of the workplace's documents. */
export interface Claim {
  /** The document within the workplace: `root`, `chat:<shard key>`, `contacts`, `files`. */
  doc: string
  /** The record's place in that document (a message ID, `<message>/ed`, …). */
  key: string
  /** The writer's peer ID. */
  peer: PeerId
  /** The record's content, as plain JSON (strings, numbers, booleans, arrays, objects). */
  content: unknown
  /** The record's own clock or timestamp (an HLC, a counter, milliseconds); 0 if it has none. */
  clock: string | number
}

/**
 * How a record reads:
 * - `genuine`: its writer's device signed it while a member (an owner, where one is required);
 * - `unsigned`: it has no proof (written before records were signed, or by a forger): shown, if
 *   at all, only as unverified;
 * - `forged`: the proof does not match the record, its writer or its place;
 * - `not-member` / `not-owner`: signed, but the writer had no such role at that point of the
 *   membership log (e.g. it wrote after its removal);
 * - `pending`: not known yet (the writer's key has not arrived, or verification is under way).
 *   Readers show pending records as nothing and look again on `change`.
 */
export type Verdict = 'genuine' | 'unsigned' | 'forged' | 'not-member' | 'not-owner' | 'pending'

/**
 * The exact text a proof signs: the workplace, the claim, and the membership clock the writer
 * had seen (which membership-log state judges whether it was a member when it wrote).
 */
export function claimText(workplace: string, claim: Claim, membershipClock: number): string {
  return (
    DOMAIN +
    canonicalJson({
      w: workplace,
      d: claim.doc,
      k: claim.key,
      p: claim.peer,
      c: claim.content,
      t: claim.clock,
      m: membershipClock,
    })
  )
}

/** A record's proof as stored beside it: `<membership clock>.<base64url Ed25519 signature>`. */
export interface Proof {
  membershipClock: number
  signature: Uint8Array
  /** The stored form, which also keys the verification cache. */
  text: string
}

const PROOF = /^(\d{1,15})\.([A-Za-z0-9_-]{86})$/

export function formatProof(membershipClock: number, signature: Uint8Array): string {
  return `${membershipClock}.${toBase64Url(signature)}`
}

/** Reads a stored proof (a string or an Automerge ImmutableString); undefined if malformed. */
export function parseProof(value: unknown): Proof | undefined {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && 'val' in value
        ? (value as { val: unknown }).val
        : undefined
  if (typeof text !== 'string') return undefined
  const match = PROOF.exec(text)
  if (!match) return undefined
  try {
    const signature = fromBase64Url(match[2]!)
    if (signature.length !== 64) return undefined
    return { membershipClock: Number(match[1]), signature, text }
  } catch {
    return undefined
  }
}

/** Signs a claim as `identity` (which must be `claim.peer`); returns the stored proof. */
export async function signClaim(
  identity: Identity,
  workplace: string,
  claim: Claim,
  membershipClock: number,
): Promise<string> {
  if (claim.peer !== identity.peerId) throw new Error('a device signs only its own records')
  const text = claimText(workplace, claim, membershipClock)
  return formatProof(membershipClock, await identity.sign(new TextEncoder().encode(text)))
}
