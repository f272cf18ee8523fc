/** Version of the sync-status messages (mesh channel `ss1`). */
const SYNC_STATUS_VERSION = 1
export const SYNC_STATUS_CHANNEL = 'ss1'

/** A member's document heads, so everyone can tell who is in sync with whom. */
export interface HeadsReport {
  workplace: string
  heads: Record<string, string[]>
}

const HASH = /^[0-9a-f]{64}$/
const DOC = /^[1-9A-HJ-NP-Za-km-z]{20,60}$/
const MAX_DOCS = 256
const MAX_HEADS = 64

export function encodeHeadsReport(report: HeadsReport): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: SYNC_STATUS_VERSION, ...report }))
}

export function decodeHeadsReport(data: Uint8Array): HeadsReport | Error {
  if (data.byteLength > 256 * 1024) return new Error('heads report too large')
  let m: Record<string, unknown>
  try {
    m = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>
  } catch {
    return new Error('not JSON')
  }
  if (typeof m !== 'object' || m === null || m.v !== SYNC_STATUS_VERSION) {
    return new Error('unsupported heads report')
  }
  if (typeof m.workplace !== 'string' || typeof m.heads !== 'object' || m.heads === null) {
    return new Error('malformed heads report')
  }
  const entries = Object.entries(m.heads as Record<string, unknown>)
  if (entries.length > MAX_DOCS) return new Error('too many documents')
  const heads: Record<string, string[]> = {}
  for (const [doc, list] of entries) {
    if (!DOC.test(doc) || !Array.isArray(list) || list.length > MAX_HEADS) {
      return new Error('malformed heads')
    }
    if (!list.every((h): h is string => typeof h === 'string' && HASH.test(h))) {
      return new Error('malformed head hash')
    }
    heads[doc] = list
  }
  return { workplace: m.workplace, heads }
}
