import { getHeads } from '@automerge/automerge/slim'
import type { Repo } from '@automerge/automerge-repo'
import type { PeerId } from '../../peer/ids.ts'
import type { MeshPort } from '../../peer/mesh/mesh-port.ts'
import type { RepoNetworkState } from '../repo/mesh-network-adapter.ts'
import type { Workplaces } from '../workplace/workplaces.ts'
import type { WorkplaceSync } from './workplace-sync.ts'

/**
 * One device's sync state at a moment: what a test or benchmark prints when devices fail to
 * converge, so the stalled step can be told from the report alone.
 */
export interface SyncReport {
  self: PeerId
  /** Peers with an open direct link. */
  linked: PeerId[]
  /** The repo network's view: who it syncs with, who is held back, what it refused. */
  network: RepoNetworkState
  /** Peers the repo's synchronizer has as peers. */
  repoPeers: string[]
  workplaces: {
    id: string
    /** Members as this device believes them, with their roles. */
    members: Record<string, string>
    /** The root's documents by kind (`chat`, `files`…): their document IDs. */
    docs: Record<string, string>
    syncer?: PeerId
    /** This device's sync badge, and the local changes nobody else is known to hold. */
    state?: string
    /** Heads each online member last reported, by document. */
    reported?: Record<string, Record<string, string[]>>
  }[]
  /**
   * With a documents worker: the peers its own channels reach, and how many of its pushes the
   * page sent on (to peers those channels do not reach).
   */
  workerPushes?: { direct: PeerId[]; relayed: number }
  /** Every document the repo holds: its state and heads (hex hashes, as heads reports use). */
  documents: { id: string; state: string; heads: string[] }[]
}

export interface SyncReportSources {
  mesh: Pick<MeshPort, 'self' | 'presence'>
  repo: Repo
  network: { state(): RepoNetworkState }
  workplaces: Workplaces
  /** The sync status of a workplace, where the device keeps one. */
  syncOf?: (workplace: string) => WorkplaceSync | undefined
  /** Documents held in the documents worker, by ID with their heads as it last reported them. */
  held?: () => Record<string, string[]>
  /** Which way the documents worker's pushes go (DocumentsWorkerHost.pushPaths). */
  pushPaths?: () => { direct: PeerId[]; relayed: number }
}

export function collectSyncReport(sources: SyncReportSources): SyncReport {
  const { mesh, repo, network, workplaces, syncOf, held, pushPaths } = sources
  return {
    self: mesh.self,
    linked: [...mesh.presence.linkedPeers()],
    network: network.state(),
    repoPeers: [...repo.peers],
    ...(pushPaths ? { workerPushes: pushPaths() } : {}),
    workplaces: workplaces.list().map((wp) => {
      const sync = syncOf?.(wp.id)
      const self = sync?.self()
      return {
        id: wp.id,
        members: Object.fromEntries(wp.membership.members),
        docs: Object.fromEntries(
          Object.entries(wp.doc?.docs ?? {}).map(([kind, url]) => [
            kind,
            String(url).replace(/^automerge:/, ''),
          ]),
        ),
        ...(sync
          ? { syncer: sync.syncer, state: JSON.stringify(self), reported: sync.reportedHeads() }
          : {}),
      }
    }),
    documents: [
      ...Object.values(repo.handles).map((handle) => ({
        id: handle.documentId,
        state: handle.state,
        heads: handle.isReady() ? getHeads(handle.doc()).sort() : [],
      })),
      ...Object.entries(held?.() ?? {}).map(([id, heads]) => ({
        id,
        state: 'in worker',
        heads: [...heads].sort(),
      })),
    ],
  }
}

/** A report as readable text, peer IDs and hashes shortened. */
export function formatSyncReport(name: string, report: SyncReport): string {
  const short = (id: string) => id.slice(0, 8)
  const list = (ids: readonly string[]) => (ids.length ? ids.map(short).join(' ') : '-')
  const heads = (hs: readonly string[]) => (hs.length ? hs.map(short).join('.') : '(none)')
  const lines = [
    `${name} (${short(report.self)})`,
    `  linked: ${list(report.linked)}`,
    `  repo syncs with: ${list(report.network.announced)}; repo peers: ${list(report.repoPeers)}`,
    `  held: ${report.network.held.map((h) => `${short(h.peer)} (${h.messages} waiting)`).join(', ') || '-'}`,
  ]
  for (const d of report.network.dropped) {
    lines.push(
      `  dropped ${d.count}x from ${short(d.peer)} doc ${d.document ? short(d.document) : '-'}: ${d.reason}`,
    )
  }
  for (const wp of report.workplaces) {
    const members = Object.entries(wp.members).map(([p, role]) => `${short(p)}:${role}`)
    lines.push(`  workplace ${short(wp.id)} members ${members.join(' ')}`)
    if (wp.syncer) lines.push(`    syncer ${short(wp.syncer)}, state ${wp.state}`)
    for (const [peer, docs] of Object.entries(wp.reported ?? {})) {
      const entries = Object.entries(docs).map(([doc, hs]) => `${short(doc)}=${heads(hs)}`)
      lines.push(`    ${short(peer)} reported ${entries.join(' ')}`)
    }
  }
  for (const doc of report.documents) {
    lines.push(`  doc ${short(doc.id)} ${doc.state} heads ${heads(doc.heads)}`)
  }
  return lines.join('\n')
}
