import { isPeerId, type PeerId } from '../../peer/ids.ts'
import { isRecord } from '../../lib/is-record.ts'
import { shownValue } from '../../lib/shown-value.ts'

/** Version of the membership record format; records of other versions are ignored. */
export const MEMBERSHIP_RECORD_VERSION = 1

export type Role = 'owner' | 'member'

interface BodyBase {
  v: typeof MEMBERSHIP_RECORD_VERSION
  /** The workplace this record belongs to: the ID of its genesis record. '' in the genesis. */
  workplace: string
  /** The signer, and its raw Ed25519 public key (base64url) from which `by` must derive. */
  by: PeerId
  byKey: string
  /** Lamport clock: one more than the highest clock the signer had seen. Orders the log. */
  clock: number
  /** Wall-clock milliseconds of the signer, for display and invite expiry. */
  at: number
}

export type RecordBody =
  | (BodyBase & { kind: 'genesis'; name: string; nonce: string })
  | (BodyBase & { kind: 'add'; subject: PeerId })
  | (BodyBase & { kind: 'remove'; subject: PeerId })
  | (BodyBase & { kind: 'promote'; subject: PeerId })
  | (BodyBase & { kind: 'leave'; subject: PeerId })
  | (BodyBase & { kind: 'invite'; inviteId: string; expiresAt: number; maxUses: number })
  | (BodyBase & { kind: 'revoke-invite'; inviteId: string })
  /** A member lets `subject` in on the strength of an owner's invite record. */
  | (BodyBase & { kind: 'admit'; subject: PeerId; invite: SignedRecord })

/** A record and its signature (base64url) over the canonical JSON of `body`. */
export interface SignedRecord {
  body: RecordBody
  sig: string
}

const B64URL = /^[A-Za-z0-9_-]+$/
const INVITE_ID = /^[a-z2-7]{16,64}$/
const MAX_NAME = 200

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** Checks a record's shape (not its signature). Returns the reason it is invalid, or null. */
export function recordShapeError(value: unknown, depth = 0): string | null {
  if (!isRecord(value) || !isRecord(value.body) || typeof value.sig !== 'string') {
    return 'not a signed record'
  }
  if (!B64URL.test(value.sig)) return 'signature is not base64url'
  const b = value.body
  if (b.v !== MEMBERSHIP_RECORD_VERSION) {
    return `unsupported record version ${shownValue(b.v)}`
  }
  if (typeof b.workplace !== 'string' || b.workplace.length > 64) return 'bad workplace'
  if (!isPeerId(b.by)) return 'bad signer'
  if (typeof b.byKey !== 'string' || !B64URL.test(b.byKey)) return 'bad signer key'
  if (!isCount(b.clock) || !isCount(b.at)) return 'bad clock or time'
  switch (b.kind) {
    case 'genesis':
      if (typeof b.name !== 'string' || b.name.length > MAX_NAME) return 'bad name'
      if (typeof b.nonce !== 'string' || !B64URL.test(b.nonce)) return 'bad nonce'
      return b.workplace === '' ? null : 'genesis names no workplace'
    case 'add':
    case 'remove':
    case 'promote':
    case 'leave':
      return isPeerId(b.subject) ? null : 'bad subject'
    case 'invite':
      if (typeof b.inviteId !== 'string' || !INVITE_ID.test(b.inviteId)) return 'bad invite ID'
      if (!isCount(b.expiresAt) || !isCount(b.maxUses) || b.maxUses < 1) return 'bad invite terms'
      return null
    case 'revoke-invite':
      return typeof b.inviteId === 'string' && INVITE_ID.test(b.inviteId) ? null : 'bad invite ID'
    case 'admit': {
      if (!isPeerId(b.subject)) return 'bad subject'
      if (depth > 0) return 'nested admit'
      const inner = recordShapeError(b.invite, depth + 1)
      if (inner) return `bad invite: ${inner}`
      return (b.invite as SignedRecord).body.kind === 'invite' ? null : 'admit without an invite'
    }
    default:
      return `unknown record kind ${shownValue(b.kind)}`
  }
}

export function isSignedRecord(value: unknown): value is SignedRecord {
  return recordShapeError(value) === null
}
