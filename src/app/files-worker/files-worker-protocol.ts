import type { FileEntry, Holding } from '../../files/files-doc.ts'
import type { FilesIndexChange, HeldFile, ReplicaPlanInput } from '../../files/files-index.ts'
import { isHashHex, type HashHex } from '../../files/hashing.ts'
import { MAX_FILE_SIZE } from '../../files/manifest.ts'
import { isRecord } from '../../lib/is-record.ts'
import { isPeerId, type PeerId } from '../../peer/ids.ts'
import { ProtocolError } from '../../crdt/documents-worker/protocol-error.ts'

/** The feature's name: its messages travel in the documents worker's `ext` envelopes so named. */
export const FILES_FEATURE = 'files'

/**
 * The files' part of the documents worker's protocol (documents-worker-protocol.ts), an
 * extension of it (worker-extension.ts): the worker
 * holds each workplace's file index document and does every Automerge step (reading and judging
 * its records, writing signed versions, holdings and the replica plan); the page keeps the bytes,
 * the chunk store and the transfers, and gets the index as read.
 */

/** What the page asks of an open index; each is replied to once done (its state sent before). */
export type FilesCall =
  | { method: 'addVersion'; entry: FileEntry; chunks: number }
  | {
      method: 'writeOwn'
      held: HeldFile[]
      storage: { quota: number; used: number }
      now: number
    }
  | { method: 'planReplicas'; input: ReplicaPlanInput }

/** A FilesIndexState as the port carries it (maps as lists of pairs). */
export interface FilesStateMessage {
  entries: FileEntry[]
  holdings: [HashHex, [PeerId, Holding][]][]
  assigned: [HashHex, number][]
}

export type ToFilesWorker =
  /** Opens a workplace's index (its `workplace` snapshot was sent before); `index` names it. */
  | { t: 'files-open'; workplace: string; index: number }
  | { t: 'files-call'; id: number; workplace: string; call: FilesCall }
  | { t: 'files-close'; id: number; workplace: string }

export type FromFilesWorker =
  | {
      t: 'files-state'
      workplace: string
      index: number
      why: FilesIndexChange
      state: FilesStateMessage
    }
  | {
      t: 'files-failed'
      workplace: string
      index: number
      error: { name: string; message: string }
    }

/** More records than one index may list (each file version is one). */
const MAX_RECORDS = 1_000_000
const ENTRY_ID = /^[a-z2-7]{16,32}$/

const isCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n)
const isCallId = (n: unknown): n is number => isCount(n) && n > 0
const isWorkplace = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && value.length <= 200
const isList = (value: unknown): value is unknown[] =>
  Array.isArray(value) && value.length <= MAX_RECORDS
const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length <= max

function fail(message: string): never {
  throw new ProtocolError(`files worker: ${message}`)
}

function isEntry(value: unknown): value is FileEntry {
  if (!isRecord(value)) return false
  const { id, name, type, size, fileId, addedBy, addedAt, verified } = value
  return (
    typeof id === 'string' &&
    ENTRY_ID.test(id) &&
    isText(name, 255) &&
    name !== '' &&
    isText(type, 100) &&
    isCount(size) &&
    size <= MAX_FILE_SIZE &&
    isHashHex(fileId) &&
    isPeerId(addedBy) &&
    isTime(addedAt) &&
    typeof verified === 'boolean'
  )
}

function isHolding(value: unknown): value is Holding {
  if (!isRecord(value)) return false
  const { chunks, of, complete, genuine } = value
  return (
    isCount(chunks) && isCount(of) && typeof complete === 'boolean' && typeof genuine === 'boolean'
  )
}

const isPair = <A, B>(
  value: unknown,
  first: (x: unknown) => x is A,
  second: (x: unknown) => x is B,
): value is [A, B] =>
  Array.isArray(value) && value.length === 2 && first(value[0]) && second(value[1])

const isHeld = (value: unknown): value is HeldFile =>
  isRecord(value) && isHashHex(value.fileId) && isCount(value.chunks) && isCount(value.count)

/** Checks a call's fields; returns it typed, or throws a ProtocolError saying what is wrong. */
export function checkFilesCall(value: unknown): FilesCall {
  if (!isRecord(value)) fail('a call that is not an object')
  switch (value.method) {
    case 'addVersion':
      if (!isEntry(value.entry)) fail('addVersion: not a file version')
      if (!isCallId(value.chunks)) fail('addVersion: chunks out of range')
      break
    case 'writeOwn': {
      const storage = value.storage
      if (!isList(value.held) || !value.held.every(isHeld)) fail('writeOwn: held is not files')
      if (!isRecord(storage) || !isCount(storage.quota) || !isCount(storage.used))
        fail('writeOwn: storage is not a quota and use')
      if (!isTime(value.now)) fail('writeOwn: no time')
      break
    }
    case 'planReplicas': {
      const input = value.input
      if (!isRecord(input)) fail('planReplicas: no input')
      for (const list of [input.members, input.online])
        if (!isList(list) || !list.every(isPeerId)) fail('planReplicas: members are not peers')
      if (!isCallId(input.replicas) || input.replicas > 100) fail('planReplicas: replicas')
      if (!isTime(input.now)) fail('planReplicas: no time')
      break
    }
    default:
      fail(`unknown method ${String(value.method)}`)
  }
  return value as unknown as FilesCall
}

/** Checks a files message for the worker; throws a ProtocolError saying what is wrong. */
export function checkToFilesWorker(message: unknown): ToFilesWorker {
  if (!isRecord(message)) fail('a message that is not an object')
  if (!isWorkplace(message.workplace)) fail(`${String(message.t)}: no workplace`)
  switch (message.t) {
    case 'files-open':
      if (!isCallId(message.index)) fail('files-open: no index number')
      break
    case 'files-call':
      if (!isCallId(message.id)) fail('files-call: no call ID')
      checkFilesCall(message.call)
      break
    case 'files-close':
      if (!isCallId(message.id)) fail('files-close: no call ID')
      break
    default:
      fail(`unknown message ${String(message.t)}`)
  }
  return message as unknown as ToFilesWorker
}

/** Checks a files message for the page; throws a ProtocolError saying what is wrong. */
export function checkFromFilesWorker(message: unknown): FromFilesWorker {
  if (!isRecord(message)) fail('a message that is not an object')
  if (!isWorkplace(message.workplace) || !isCallId(message.index))
    fail(`${String(message.t)}: no workplace or index`)
  switch (message.t) {
    case 'files-state': {
      const state = message.state
      if (message.why !== 'doc' && message.why !== 'verdicts') fail('state: why it changed')
      if (!isRecord(state)) fail('state: malformed')
      if (!isList(state.entries) || !state.entries.every(isEntry))
        fail('state: an entry that is not a file version')
      const isHolders = (x: unknown): x is [PeerId, Holding][] =>
        isList(x) && x.every((h) => isPair(h, isPeerId, isHolding))
      if (!isList(state.holdings) || !state.holdings.every((h) => isPair(h, isHashHex, isHolders)))
        fail('state: holdings malformed')
      if (!isList(state.assigned) || !state.assigned.every((a) => isPair(a, isHashHex, isTime)))
        fail('state: plan malformed')
      break
    }
    case 'files-failed':
      if (!isRecord(message.error)) fail('failed: malformed')
      break
    default:
      fail(`unknown message ${String(message.t)}`)
  }
  return message as unknown as FromFilesWorker
}
