import type { PeerId } from '../../peer/ids.ts'
import type { SignedRecord } from '../membership/record.ts'

/** Version of the root document's layout. */
export const ROOT_DOC_VERSION = 1

/**
 * A workplace's root document. Written by every member, so everything read from it is checked:
 * membership comes only from signed `records`, never from any other field.
 */
export interface RootDoc {
  v: number
  /** The workplace ID: the ID of its genesis membership record. */
  workplace: string
  name: string
  description: string
  /** The membership log: signed records by record ID. */
  records: Record<string, SignedRecord>
  /**
   * Members' Ed25519 public keys (base64url) by peer ID. Self-certifying (a peer ID is a hash of
   * its key), so anyone may write an entry and a wrong one is simply ignored.
   */
  keys?: Record<string, string>
  /**
   * Display names members give themselves, each signed by its member (`s`, see
   * signed-about.ts); unsigned ones (older workplaces) are not shown until their member's
   * device signs them again. Data, not identity.
   */
  profiles: Record<string, { name: string; updatedAt: number; s?: string }>
  /** What kind of device each member is, signed by that member (device-kind.ts); optional. */
  devices?: Record<string, { kind: string; t: number; s: string }>
  /**
   * The name and description by owner: each owner's latest signed value (signed-about.ts).
   * The plain `name` and `description` fields are written too, for older versions, and never
   * read: anyone could write them.
   */
  about?: Partial<
    Record<'name' | 'description', Record<string, { v: string; t: number; s: string }>>
  >
  /** Automerge URLs of the workplace's other documents, filled in by later features. */
  docs: Record<string, string>
  settings: { replicas: number }
}

export interface MemberView {
  peer: PeerId
  role: 'owner' | 'member'
  name: string
  /** The member's own signed word that it is an always-on device (a keeper). */
  alwaysOn: boolean
}

const MAX_TEXT = 500

/** A display name from the document, cleaned for showing (never trusted as markup). */
export function cleanText(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const text = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  return text.length === 0 ? fallback : text.slice(0, MAX_TEXT)
}

/** What a member is called when it has no verified display name. */
export function fallbackName(peer: PeerId): string {
  return `Peer ${peer.slice(0, 6)}`
}
