import type { PeerId } from '../peer/ids.ts'
import type { HashHex } from './hashing.ts'

export interface PlanFile {
  fileId: HashHex
  size: number
  addedAt: number
}

export interface PlanInput {
  /** Every file of the workplace (each file ID once). */
  files: readonly PlanFile[]
  /** Current members (from signed membership). */
  members: readonly PeerId[]
  online: ReadonlySet<PeerId>
  /** Members holding each file in full. */
  holders: ReadonlyMap<HashHex, ReadonlySet<PeerId>>
  /** Assignments so far: member -> file -> when assigned. */
  plan: ReadonlyMap<PeerId, ReadonlyMap<HashHex, number>>
  /** Bytes each member can still take for workplace files (quota less use). */
  free: ReadonlyMap<PeerId, number>
  replicas: number
  now: number
  /** An assignment to an offline member stops counting after this long. Default 10 min. */
  staleMs?: number
}

export interface PlanChanges {
  assign: { peer: PeerId; fileId: HashHex }[]
  /** Assignments done (the member holds the file), of former members, or of removed files. */
  release: { peer: PeerId; fileId: HashHex }[]
}

/**
 * The Syncer's replica plan: every file should be held in full by `replicas` members. A file
 * short of that gets the online members with the most free space (within their quota) that
 * neither hold it nor were asked already. An assignment counts while its member is online or
 * was asked recently; an offline one past that keeps its assignment but someone else is asked.
 */
export function planReplicas(input: PlanInput): PlanChanges {
  const staleMs = input.staleMs ?? 10 * 60_000
  const members = new Set(input.members)
  const fileIds = new Set(input.files.map((f) => f.fileId))
  const changes: PlanChanges = { assign: [], release: [] }
  const free = new Map(input.members.map((peer) => [peer, input.free.get(peer) ?? 0]))
  const sizeOf = new Map(input.files.map((f) => [f.fileId, f.size]))

  for (const [peer, files] of input.plan) {
    for (const fileId of files.keys()) {
      const done = input.holders.get(fileId)?.has(peer) ?? false
      if (!members.has(peer) || !fileIds.has(fileId) || done) {
        changes.release.push({ peer, fileId })
      } else {
        // What an assigned member has yet to fetch is spoken for.
        free.set(peer, (free.get(peer) ?? 0) - (sizeOf.get(fileId) ?? 0))
      }
    }
  }

  const files = [...input.files].sort(
    (a, b) => a.addedAt - b.addedAt || (a.fileId < b.fileId ? -1 : 1),
  )
  for (const file of files) {
    const holders = new Set(
      [...(input.holders.get(file.fileId) ?? [])].filter((p) => members.has(p)),
    )
    const asked = new Set<PeerId>()
    let counted = holders.size
    for (const [peer, planned] of input.plan) {
      const at = planned.get(file.fileId)
      if (at === undefined || !members.has(peer) || holders.has(peer)) continue
      asked.add(peer)
      if (input.online.has(peer) || input.now - at < staleMs) counted++
    }
    let need = Math.min(input.replicas, members.size) - counted
    if (need <= 0) continue
    const candidates = input.members
      .filter((peer) => input.online.has(peer) && !holders.has(peer) && !asked.has(peer))
      .filter((peer) => (free.get(peer) ?? 0) >= file.size)
      .sort((a, b) => (free.get(b) ?? 0) - (free.get(a) ?? 0) || (a < b ? -1 : 1))
    for (const peer of candidates) {
      if (need-- <= 0) break
      changes.assign.push({ peer, fileId: file.fileId })
      free.set(peer, (free.get(peer) ?? 0) - file.size)
    }
  }
  return changes
}
