import { isPeerId, type PeerId } from '../../peer/ids.ts'
import { isSignedRecord, type SignedRecord } from '../membership/record.ts'
import { shownValue } from '../../lib/shown-value.ts'

/** Version of the workplace join protocol (mesh channel `wp1`). */
const JOIN_PROTOCOL_VERSION = 1
export const JOIN_CHANNEL = 'wp1'

export type RefusalCode = 'expired' | 'revoked' | 'used' | 'invalid' | 'not-member' | 'denied'

export type JoinMessage =
  /** A newcomer presents an owner's invite to any member. */
  | { t: 'invite-join'; workplace: string; invite: SignedRecord; name: string }
  | { t: 'join-accepted'; workplace: string; rootUrl: string; name: string }
  | { t: 'join-refused'; workplace: string; code: RefusalCode; message: string }
  /** Someone with only the public link asks to join; members pass it on to the owners. */
  | { t: 'ask-join'; workplace: string; name: string; note: string }
  | {
      t: 'ask-forward'
      workplace: string
      requester: PeerId
      name: string
      note: string
      via: PeerId
    }
  /** An owner's decision, to the requester directly or through the member it came via. */
  | {
      t: 'ask-decision'
      workplace: string
      requester: PeerId
      approved: boolean
      rootUrl: string
      name: string
    }
  /** Tells the requester's neighbours to relay a decision. */
  | {
      t: 'ask-relay'
      workplace: string
      requester: PeerId
      approved: boolean
      rootUrl: string
      name: string
    }

const WORKPLACE = /^[a-z2-7]{26}$/
const ROOT_URL = /^automerge:[1-9A-HJ-NP-Za-km-z]{20,60}$/
const CODES = new Set<RefusalCode>([
  'expired',
  'revoked',
  'used',
  'invalid',
  'not-member',
  'denied',
])

export function isWorkplaceId(value: unknown): value is string {
  return typeof value === 'string' && WORKPLACE.test(value)
}

function isRootUrl(value: unknown): value is string {
  return typeof value === 'string' && ROOT_URL.test(value)
}

function shortText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max
}

export function encodeJoinMessage(message: JoinMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: JOIN_PROTOCOL_VERSION, ...message }))
}

/** Parses and validates a join message; returns an Error describing what is wrong otherwise. */
export function decodeJoinMessage(data: Uint8Array): JoinMessage | Error {
  if (data.byteLength > 16 * 1024) return new Error('join message too large')
  let m: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(data))
    if (typeof parsed !== 'object' || parsed === null) return new Error('not an object')
    m = parsed as Record<string, unknown>
  } catch {
    return new Error('not JSON')
  }
  if (m.v !== JOIN_PROTOCOL_VERSION) {
    return new Error(`unsupported version ${shownValue(m.v)}`)
  }
  if (!isWorkplaceId(m.workplace)) return new Error('bad workplace ID')
  const ok = (valid: boolean, what: string) =>
    valid ? (m as unknown as JoinMessage) : new Error(what)
  switch (m.t) {
    case 'invite-join':
      return ok(isSignedRecord(m.invite) && shortText(m.name, 200), 'bad invite-join')
    case 'join-accepted':
      return ok(isRootUrl(m.rootUrl) && shortText(m.name, 500), 'bad join-accepted')
    case 'join-refused':
      return ok(CODES.has(m.code as RefusalCode) && shortText(m.message, 500), 'bad join-refused')
    case 'ask-join':
      return ok(shortText(m.name, 200) && shortText(m.note, 1000), 'bad ask-join')
    case 'ask-forward':
      return ok(
        isPeerId(m.requester) &&
          isPeerId(m.via) &&
          shortText(m.name, 200) &&
          shortText(m.note, 1000),
        'bad ask-forward',
      )
    case 'ask-decision':
    case 'ask-relay':
      return ok(
        isPeerId(m.requester) &&
          typeof m.approved === 'boolean' &&
          (m.rootUrl === '' || isRootUrl(m.rootUrl)) &&
          shortText(m.name, 500),
        `bad ${m.t}`,
      )
    default:
      return new Error(`unknown join message type ${shownValue(m.t)}`)
  }
}
