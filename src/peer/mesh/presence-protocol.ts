import { isPeerId, type PeerId } from '../ids.ts'
import { isGroupId, type GroupId } from './mesh-protocol.ts'
import { isRecord } from '../../lib/is-record.ts'

/**
 * Presence gossip: what linked neighbours tell each other about who is online in a group. Each
 * member owns one record per group, `{version, links, leaving}`: its links to other members
 * of the group, with a version only it raises. Messages go from a peer to one linked neighbour
 * on the mesh's PRESENCE_CHANNEL, as UTF-8 JSON with `v` (this protocol's version), `t` (the
 * type) and `g` (the group):
 *
 * - `digest` `{h, n}`: a hash over every (member, version) the sender holds and how many, sent
 *   every interval and on a new link;
 * - `versions` `{have, reply}`: the version held per member, sent when a digest differs for
 *   good; `reply` asks the receiver to answer with its own if it has anything newer;
 * - `records` `{records: [{p, n, l, x, q?}]}`: records (peer, version, links, leaving, quiet) the
 *   receiver lacks, pushed as they change and in answer to `versions`. `q`, the linked members
 *   the owner has not heard from for a while (sent only when some are), came later within
 *   version 2: a peer that does not know it ignores it and merely elects the Syncer later.
 */
const PRESENCE_PROTOCOL_VERSION = 2

/** Records per `records` frame; more go in several frames. */
export const MAX_RECORDS_PER_FRAME = 64
const MAX_LINKS_PER_RECORD = 64
const MAX_VERSIONS = 4096
const MAX_PRESENCE_BYTES = 256 * 1024
const DIGEST = /^[0-9a-f]{16}$/

export interface PresenceRecord {
  /** Raised by its owner on every change; the higher version wins. */
  readonly version: number
  /** The owner's linked members of the group, sorted. */
  readonly links: readonly PeerId[]
  /** The owner said goodbye. */
  readonly leaving: boolean
  /**
   * Those of `links` the owner has heard nothing from for a while (suspected, not yet dead):
   * the link stays, but the member is not counted as responsive through it. Absent: none.
   */
  readonly quiet?: readonly PeerId[]
}

export type PresenceMessage =
  | {
      readonly type: 'digest'
      readonly group: GroupId
      readonly digest: string
      /** How many records the sender holds. */
      readonly count: number
    }
  | {
      readonly type: 'versions'
      readonly group: GroupId
      readonly have: ReadonlyMap<PeerId, number>
      readonly reply: boolean
    }
  | {
      readonly type: 'records'
      readonly group: GroupId
      readonly records: ReadonlyMap<PeerId, PresenceRecord>
    }

export function encodePresence(message: PresenceMessage): Uint8Array {
  const base = { v: PRESENCE_PROTOCOL_VERSION, g: message.group }
  let value: object
  if (message.type === 'digest')
    value = { ...base, t: 'digest', h: message.digest, n: message.count }
  else if (message.type === 'versions') {
    value = { ...base, t: 'versions', have: Object.fromEntries(message.have), reply: message.reply }
  } else {
    const records = [...message.records].map(([p, r]) => ({
      p,
      n: r.version,
      l: r.links,
      x: r.leaving,
      ...(r.quiet?.length ? { q: r.quiet } : {}),
    }))
    value = { ...base, t: 'records', records }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value))
  if (bytes.length > MAX_PRESENCE_BYTES) throw new Error('presence message too large')
  return bytes
}

/** Parses and validates one inbound presence message; never throws. */
export function decodePresence(
  payload: Uint8Array,
): { ok: true; message: PresenceMessage } | { ok: false; reason: string } {
  if (payload.length > MAX_PRESENCE_BYTES) return fail('presence message too large')
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  } catch {
    return fail('presence message is not JSON')
  }
  if (!isRecord(value)) return fail('presence message is not an object')
  if (value.v !== PRESENCE_PROTOCOL_VERSION) return fail(`unsupported presence version`)
  const group = value.g
  if (!isGroupId(group)) return fail('bad presence group')
  if (value.t === 'digest') {
    if (typeof value.h !== 'string' || !DIGEST.test(value.h)) return fail('bad digest')
    if (!isVersion(value.n) || value.n > MAX_VERSIONS) return fail('bad digest count')
    return { ok: true, message: { type: 'digest', group, digest: value.h, count: value.n } }
  }
  if (value.t === 'versions') {
    const { have, reply } = value
    if (!isRecord(have)) return fail('bad versions')
    const entries = Object.entries(have)
    if (entries.length > MAX_VERSIONS) return fail('too many versions')
    if (!entries.every(([peer, n]) => isPeerId(peer) && isVersion(n))) return fail('bad version')
    if (typeof reply !== 'boolean') return fail('bad reply flag')
    const map = new Map(entries as [PeerId, number][])
    return { ok: true, message: { type: 'versions', group, have: map, reply } }
  }
  if (value.t === 'records') {
    const list = value.records
    if (!Array.isArray(list) || list.length > MAX_RECORDS_PER_FRAME) return fail('bad records')
    const records = new Map<PeerId, PresenceRecord>()
    for (const item of list) {
      const record = parseRecord(item)
      if (!record) return fail('bad record')
      records.set(record[0], record[1])
    }
    return { ok: true, message: { type: 'records', group, records } }
  }
  return fail('unknown presence message type')
}

function parseRecord(item: unknown): [PeerId, PresenceRecord] | undefined {
  if (!isRecord(item) || !isPeerId(item.p) || !isVersion(item.n)) return undefined
  const { l: links, x: leaving } = item
  if (!Array.isArray(links) || links.length > MAX_LINKS_PER_RECORD) return undefined
  if (!links.every(isPeerId) || typeof leaving !== 'boolean') return undefined
  const quiet = item.q ?? []
  if (!Array.isArray(quiet) || quiet.length > MAX_LINKS_PER_RECORD) return undefined
  if (!quiet.every((peer) => isPeerId(peer) && links.includes(peer))) return undefined
  const record = { version: item.n, links: [...links].sort(), leaving }
  return [item.p, quiet.length > 0 ? { ...record, quiet: [...quiet].sort() } : record]
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason }
}
