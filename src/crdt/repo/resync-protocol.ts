import { cbor, isValidDocumentId } from '@automerge/automerge-repo'
import { shownValue } from '../../lib/shown-value.ts'

/**
 * The mesh channel of resync requests (version 1). A device that refused a peer's sync
 * messages for lack of access sends one once it has access: the peer's sync state still counts
 * what it sent as delivered, and only a restart makes it send that again.
 */
export const RESYNC_CHANNEL = 'ar1'
const VERSION = 1
/** Documents one request may name. */
const MAX_RESYNC_DOCS = 256

export interface ResyncRequest {
  v: typeof VERSION
  docs: string[]
}

export function encodeResyncRequest(docs: readonly string[]): Uint8Array {
  return cbor.encode({ v: VERSION, docs: docs.slice(0, MAX_RESYNC_DOCS) } satisfies ResyncRequest)
}

/** Validates a resync request; returns why it is unusable, if it is. */
export function decodeResyncRequest(data: Uint8Array): ResyncRequest | string {
  let message: unknown
  try {
    message = cbor.decode(data)
  } catch {
    return 'undecodable'
  }
  if (typeof message !== 'object' || message === null) return 'not an object'
  const { v, docs } = message as Partial<Record<keyof ResyncRequest, unknown>>
  if (v !== VERSION) return `unsupported version ${shownValue(v)}`
  if (!Array.isArray(docs) || docs.length === 0 || docs.length > MAX_RESYNC_DOCS) {
    return 'malformed document list'
  }
  if (!docs.every((doc): doc is string => typeof doc === 'string' && isValidDocumentId(doc))) {
    return 'invalid document ID'
  }
  return { v, docs }
}
