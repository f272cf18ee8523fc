import type { PeerId } from '../peer/ids.ts'
import type { UploadView } from './chunk-server.ts'
import type { LocalFileRecord } from './chunk-store.ts'
import type { DownloadProgress } from './download.ts'
import type { FileVersions } from './file-versions.ts'
import type { FileEntry, Holding } from './files-doc.ts'
import type { HashHex } from './hashing.ts'
import { secondsLeft } from './rate-meter.ts'

interface HolderView {
  peer: PeerId
  name: string
  complete: boolean
  /** Share of the file held, 0..100. */
  percent: number
  online: boolean
  /** Sent this device data that failed verification. */
  flagged: boolean
}

export interface FileVersionView {
  entry: FileEntry
  /** 1 for the first version of the name. */
  version: number
  addedByName: string
  holders: HolderView[]
  /** Members holding it in full. */
  replicas: number
  local: 'complete' | 'partial' | 'none'
  localBytes: number
  download: DownloadProgress | null
  /** The Syncer asked this device to hold it. */
  assigned: boolean
}

interface FileView {
  name: string
  /** Newest first. */
  versions: FileVersionView[]
}

interface UploadRowView extends UploadView {
  peerName: string
  fileName: string
  fileSize: number
  /** At this rate, if the peer fetches the rest of the file from this device. */
  secondsLeft: number | null
}

export interface FilesView {
  files: FileView[]
  adding: { id: string; name: string; size: number; bytesDone: number }[]
  uploads: UploadRowView[]
  replicas: number
  isSyncer: boolean
  storage: { quota: number; used: number }
}

export interface FilesViewInput {
  self: PeerId
  groups: FileVersions[]
  holdings: ReadonlyMap<HashHex, ReadonlyMap<PeerId, Holding>>
  plan: ReadonlyMap<HashHex, number>
  local: ReadonlyMap<HashHex, LocalFileRecord>
  downloads: (fileId: HashHex) => DownloadProgress | null
  uploads: UploadView[]
  flagged: ReadonlyMap<HashHex, ReadonlySet<PeerId>>
  members: readonly { peer: PeerId; name: string }[]
  online: ReadonlySet<PeerId>
  syncer: PeerId
  replicas: number
  adding: FilesView['adding']
  budget: { quota: number; used: number }
  entry: (fileId: HashHex) => FileEntry | undefined
}

/** Turns the files document and this device's state into what the panel shows. */
export function buildFilesView(input: FilesViewInput): FilesView {
  const names = new Map(input.members.map((m) => [m.peer, m.name]))
  const nameOf = (peer: PeerId) => names.get(peer) ?? `Peer ${peer.slice(0, 6)}`
  const sentTo = (peer: PeerId, fileId: HashHex) =>
    input.uploads.find((u) => u.peer === peer && u.fileId === fileId)?.bytesSent ?? 0
  const versionView = (entry: FileEntry, version: number): FileVersionView => {
    const record = input.local.get(entry.fileId)
    const holders: HolderView[] = [...(input.holdings.get(entry.fileId) ?? [])]
      // A holding its holder did not sign is nobody's word: not shown, not counted.
      .filter(([peer, h]) => names.has(peer) && h.chunks > 0 && h.genuine)
      .map(([peer, h]) => ({
        peer,
        name: nameOf(peer),
        complete: h.complete,
        percent: holderPercent(h, entry.size, sentTo(peer, entry.fileId)),
        online: peer === input.self || input.online.has(peer),
        flagged: input.flagged.get(entry.fileId)?.has(peer) ?? false,
      }))
      .sort((a, b) => Number(b.complete) - Number(a.complete) || a.name.localeCompare(b.name))
    const local =
      !record || record.chunks === 0
        ? 'none'
        : record.chunks >= record.count
          ? 'complete'
          : 'partial'
    return {
      entry,
      version,
      addedByName: nameOf(entry.addedBy),
      holders,
      replicas: holders.filter((h) => h.complete).length,
      local,
      localBytes: record && record.count > 0 ? (record.size * record.chunks) / record.count : 0,
      download: input.downloads(entry.fileId),
      assigned: input.plan.has(entry.fileId),
    }
  }
  return {
    files: input.groups.map((group) => ({
      name: group.name,
      versions: group.versions.map((entry, i) => versionView(entry, i + 1)).reverse(),
    })),
    adding: input.adding,
    uploads: input.uploads.map((u) => {
      const entry = input.entry(u.fileId)
      const size = entry?.size ?? u.bytesSent
      return {
        ...u,
        peerName: nameOf(u.peer),
        fileName: entry?.name ?? u.fileId,
        fileSize: size,
        secondsLeft: secondsLeft(size - u.bytesSent, u.rate),
      }
    }),
    replicas: input.replicas,
    isSyncer: input.syncer === input.self,
    storage: input.budget,
  }
}

/**
 * How much of a file a holder has, in percent. The document's figure is published at most every
 * few seconds (so members' documents do not churn during a transfer) and lags far behind a fast
 * one; while this device is sending the file to that holder, what it has sent is the fresher
 * figure, the same one its "Sending" bar shows. Never 100 before the holder says it is complete.
 */
export function holderPercent(
  published: { chunks: number; of: number; complete: boolean },
  size: number,
  bytesSentByMe: number,
): number {
  if (published.complete) return 100
  const stored = published.of > 0 ? Math.floor((100 * published.chunks) / published.of) : 0
  const sent = size > 0 ? Math.floor((100 * bytesSentByMe) / size) : 0
  return Math.min(99, Math.max(stored, sent))
}
