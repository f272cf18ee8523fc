import { ImmutableString } from '@automerge/automerge-repo'
import { isPeerId, type PeerId } from '../peer/ids.ts'
import { entryClaim, holdingClaim } from './file-claims.ts'
import type { FilesJudge } from './files-workplace.ts'
import { isHashHex, type HashHex } from './hashing.ts'
import { MAX_FILE_SIZE } from './manifest.ts'

/** The workplace document kind of the file index (the `kinds` entry). */
export const FILES_DOC_KIND = 'files'
const FILES_DOC_VERSION = 1

/**
 * A workplace's file index. File bytes and chunk lists are never here: an entry names a file
 * by its ID (the hash of its manifest), and the manifest comes from any holder, checked against
 * the ID. So an entry stays about 200 bytes whatever the file's size. Every member writes
 * here, so everything read is validated (see `readEntries` and friends).
 *
 * - `entries`: one per added version, keyed by a random ID (two members adding at once both
 *   stay). Versions of a file are the entries with the same name, oldest first. Nobody removes
 *   or changes one: readers read one someone did from the history (entry-history.ts).
 * - `holdings[peer][fileId]`: how many chunks of the file the member holds (`of` = all).
 *   Each member writes only its own.
 * - `plan[peer][fileId]`: the Syncer asks the member to hold the file in full (value: when).
 * - `storage[peer]`: the space a member offers for workplace files and how much is used.
 *
 * Version records and holdings carry their writer's proof (`s`, see file-claims.ts). Records
 * written before proofs existed (or by a forger) still list their file, but their "added by"
 * reads as unverified and their holdings count for nothing; a member's device signs its own
 * holdings again the next time it runs (ReplicaKeeper), so older workplaces mend themselves.
 */
export interface FilesDoc {
  v: number
  entries: Record<string, StoredEntry>
  holdings: Record<string, Record<string, StoredHolding>>
  plan: Record<string, Record<string, number>>
  storage: Record<string, StoredStorage>
}

export interface StoredEntry {
  name: ImmutableString
  type: ImmutableString
  size: number
  fileId: ImmutableString
  by: ImmutableString
  at: number
  /** The adder's proof over the entry (file-claims.ts); absent in older documents. */
  s?: ImmutableString
}

export interface StoredHolding {
  chunks: number
  of: number
  at: number
  /** The holder's proof over the holding (file-claims.ts); absent in older documents. */
  s?: ImmutableString
}

interface StoredStorage {
  quota: number
  used: number
  at: number
}

export function initialFilesDoc(): FilesDoc {
  return { v: FILES_DOC_VERSION, entries: {}, holdings: {}, plan: {}, storage: {} }
}

/** One version of a file, as read from the document (validated). */
export interface FileEntry {
  id: string
  name: string
  type: string
  size: number
  fileId: HashHex
  addedBy: PeerId
  addedAt: number
  /** Whether `addedBy`'s device signed this record while a member; else not attributed. */
  verified: boolean
}

export interface Holding {
  chunks: number
  of: number
  complete: boolean
  /**
   * Whether the holder's device signed it while a member. Only genuine holdings count for the
   * replica plan and are shown; others are at most a place to ask for chunks (each checked).
   */
  genuine: boolean
}

const ENTRY_ID = /^[a-z2-7]{16,32}$/
const MAX_NAME_LENGTH = 255

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value instanceof ImmutableString) return value.val
  if (typeof value === 'object' && value !== null && 'val' in value) {
    const val = (value as { val: unknown }).val
    return typeof val === 'string' ? val : undefined
  }
  return undefined
}

const isCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0

/** The valid entries, each judged; anything malformed is skipped. */
export function readEntries(doc: FilesDoc | undefined, judge: FilesJudge): FileEntry[] {
  const entries: FileEntry[] = []
  for (const [id, raw] of Object.entries(doc?.entries ?? {})) {
    const entry = readEntry(id, raw, judge)
    if (entry) entries.push(entry)
  }
  return entries
}

/** One version record, judged; undefined if malformed. */
export function readEntry(id: string, raw: unknown, judge: FilesJudge): FileEntry | undefined {
  if (!ENTRY_ID.test(id) || typeof raw !== 'object' || raw === null) return undefined
  const r = raw as Partial<Record<keyof StoredEntry, unknown>>
  const name = cleanName(str(r.name))
  const type = str(r.type) ?? ''
  const fileId = str(r.fileId)
  const by = str(r.by)
  if (!name || !isHashHex(fileId) || !isPeerId(by)) return undefined
  if (!isCount(r.size) || r.size > MAX_FILE_SIZE || typeof r.at !== 'number') return undefined
  const claim = entryClaim(id, by, { name: str(r.name)!, type, size: r.size, fileId }, r.at)
  return {
    id,
    name,
    type: type.slice(0, 100),
    size: r.size,
    fileId,
    addedBy: by,
    addedAt: r.at,
    verified: judge(claim, r.s) === 'genuine',
  }
}

/** holdings by file, then member (the valid ones), each judged. */
export function readHoldings(
  doc: FilesDoc | undefined,
  judge: FilesJudge,
): Map<HashHex, Map<PeerId, Holding>> {
  const byFile = new Map<HashHex, Map<PeerId, Holding>>()
  for (const [peer, files] of Object.entries(doc?.holdings ?? {})) {
    if (!isPeerId(peer) || typeof files !== 'object' || files === null) continue
    for (const [fileId, raw] of Object.entries(files)) {
      const r = raw as Partial<StoredHolding> | null
      if (!isHashHex(fileId) || !r || !isCount(r.chunks) || !isCount(r.of)) continue
      const at = typeof r.at === 'number' ? r.at : 0
      const genuine = judge(holdingClaim(peer, fileId, { chunks: r.chunks, of: r.of }, at), r.s)
      let holders = byFile.get(fileId)
      if (!holders) byFile.set(fileId, (holders = new Map()))
      holders.set(peer, {
        chunks: r.chunks,
        of: r.of,
        complete: r.chunks >= r.of,
        genuine: genuine === 'genuine',
      })
    }
  }
  return byFile
}

/** plan by member, then file: when the Syncer asked for it. */
export function readPlan(doc: FilesDoc | undefined): Map<PeerId, Map<HashHex, number>> {
  const plan = new Map<PeerId, Map<HashHex, number>>()
  for (const [peer, files] of Object.entries(doc?.plan ?? {})) {
    if (!isPeerId(peer) || typeof files !== 'object' || files === null) continue
    const mine = new Map<HashHex, number>()
    for (const [fileId, at] of Object.entries(files)) {
      if (isHashHex(fileId) && typeof at === 'number') mine.set(fileId, at)
    }
    plan.set(peer, mine)
  }
  return plan
}

export function readStorage(
  doc: FilesDoc | undefined,
): Map<PeerId, { quota: number; used: number }> {
  const storage = new Map<PeerId, { quota: number; used: number }>()
  for (const [peer, raw] of Object.entries(doc?.storage ?? {})) {
    const r = raw as Partial<StoredStorage> | null
    if (isPeerId(peer) && r && isCount(r.quota) && isCount(r.used)) {
      storage.set(peer, { quota: r.quota, used: r.used })
    }
  }
  return storage
}

/** A file name fit to show and to save under: no path parts, no control characters. */
export function cleanName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const cleaned = name
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f/\\]/g, '_')
    .trim()
    .slice(0, MAX_NAME_LENGTH)
  return cleaned.length > 0 ? cleaned : undefined
}

/** An entry as stored, with its adder's proof (`s`, from `entryClaim`). */
export function storedEntry(entry: Omit<FileEntry, 'id' | 'verified'>, s?: string): StoredEntry {
  const stored: StoredEntry = {
    name: new ImmutableString(entry.name),
    type: new ImmutableString(entry.type),
    size: entry.size,
    fileId: new ImmutableString(entry.fileId),
    by: new ImmutableString(entry.addedBy),
    at: entry.addedAt,
  }
  if (s !== undefined) stored.s = new ImmutableString(s)
  return stored
}
