import type { Identity } from '../../peer/identity/identity.ts'
import { base32 } from '../../lib/base32.ts'
import { peerIdFromPublicKey } from '../../peer/identity/peer-id.ts'
import { verifyEd25519 } from '../../peer/identity/verify.ts'
import { fromBase64Url, toBase64Url } from '../../lib/base64.ts'
import { canonicalBytes } from '../../lib/canonical-json.ts'
import {
  MEMBERSHIP_RECORD_VERSION,
  recordShapeError,
  type RecordBody,
  type SignedRecord,
} from './record.ts'

/** Domain separation: a record signature can never be mistaken for any other signature. */
const DOMAIN = 'peerplace-membership-v1:'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
export type UnsignedBody = DistributiveOmit<RecordBody, 'v' | 'by' | 'byKey'>

function signedBytes(body: RecordBody): Uint8Array {
  const payload = canonicalBytes(body)
  const prefix = new TextEncoder().encode(DOMAIN)
  const out = new Uint8Array(prefix.length + payload.length)
  out.set(prefix)
  out.set(payload, prefix.length)
  return out
}

export async function signRecord(identity: Identity, fields: UnsignedBody): Promise<SignedRecord> {
  const body = {
    ...fields,
    v: MEMBERSHIP_RECORD_VERSION,
    by: identity.peerId,
    byKey: toBase64Url(identity.publicKey),
  } as RecordBody
  const sig = await identity.sign(signedBytes(body))
  return { body, sig: toBase64Url(sig) }
}

/** A record's ID: base32 of the first 16 bytes of SHA-256 over its canonical body and signature. */
export async function recordId(record: SignedRecord): Promise<string> {
  const bytes = canonicalBytes(record)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource))
  return base32(digest.subarray(0, 16))
}

/** Random IDs for invites and nonces: base32 of 10 random bytes (16 characters). */
export function randomId(): string {
  return base32(crypto.getRandomValues(new Uint8Array(10)))
}

/**
 * Verifies shape, that `by` derives from `byKey`, and the signature (including an admit's
 * embedded invite). Returns the reason a record is not valid, or null.
 */
export async function recordError(record: unknown): Promise<string | null> {
  const shape = recordShapeError(record)
  if (shape) return shape
  const { body, sig } = record as SignedRecord
  try {
    const key = fromBase64Url(body.byKey)
    if ((await peerIdFromPublicKey(key)) !== body.by) return 'signer key does not match its ID'
    if (!(await verifyEd25519(key, signedBytes(body), fromBase64Url(sig)))) {
      return 'bad signature'
    }
  } catch (error) {
    return `unverifiable: ${(error as Error).message}`
  }
  if (body.kind === 'admit') {
    const inner = await recordError(body.invite)
    if (inner) return `invite: ${inner}`
  }
  return null
}
