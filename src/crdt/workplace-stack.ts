import type { DocumentId, Repo, StorageAdapterInterface } from '@automerge/automerge-repo'
import type { Identity } from '../peer/identity/identity.ts'
import type { PeerId } from '../peer/ids.ts'
import type { RecordStore } from './membership/record-store.ts'
import type { MeshPort } from '../peer/mesh/mesh-port.ts'
import type { PeerGate } from './sync/syncer-first.ts'
import { collectSyncReport, type SyncReport } from './sync/sync-report.ts'
import type { WorkplaceSync } from './sync/workplace-sync.ts'
import { ChangePush } from './repo/change-push.ts'
import { CHAT_DOC_KIND } from './chat/chat-doc.ts'
import {
  DocumentsWorkerHost,
  type WorkerFeature,
} from './documents-worker/documents-worker-host.ts'
import { CONTACTS_DOC_KIND } from './contacts/contacts-doc.ts'
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from './documents-worker/documents-worker-protocol.ts'
import type { AtRestLender } from './documents-worker/worker-storage.ts'
import type { HostExtension } from './documents-worker/worker-extension.ts'
import { CompactingStorage } from './repo/compacting-storage.ts'
import { PushedChanges } from './repo/pushed-changes.ts'
import { MeshNetworkAdapter } from './repo/mesh-network-adapter.ts'
import { createMeshRepo } from './repo/mesh-repo.ts'
import { storageOriginsStore } from './authorship/origins-store.ts'
import { JoinFlow } from './workplace/join-flow.ts'
import type { EarlyJoins } from './workplace/early-invite.ts'
import type { WorkplaceList } from './workplace/workplace-list.ts'
import { Workplaces } from './workplace/workplaces.ts'
import { LoadingMembers, eitherGate } from './workplace/loading-members.ts'
import { DOCS_PUSH_LABEL } from './documents-worker/direct-pushes.ts'
import { shutdownRepo } from './repo/shutdown-repo.ts'

export interface WorkplaceStack {
  repo: Repo
  network: MeshNetworkAdapter
  /** Sends local changes to linked members ahead of sync, for what should show at once (chat). */
  changes: ChangePush
  workplaces: Workplaces
  joins: JoinFlow
  /** The documents worker, when the chat runs in it (the browser); else chats run in this thread. */
  chats?: DocumentsWorkerHost
  /** This device's sync state, for diagnostics; `syncOf` adds each workplace's sync status. */
  syncReport(syncOf?: (workplace: string) => WorkplaceSync | undefined): SyncReport
  shutdown(): Promise<void>
}

/**
 * Builds the document layer over a mesh: one automerge-repo for every workplace on the device,
 * synced over the mesh with access derived from signed membership.
 */
export function createWorkplaceStack(options: {
  identity: Identity
  mesh: MeshPort
  storage?: StorageAdapterInterface
  list: WorkplaceList
  records: RecordStore
  displayName: () => string
  /** The documents every workplace holds besides its root (chat, contacts, files…). */
  kinds?: ReadonlyMap<string, () => unknown>
  clock?: () => number
  /** Holds members back from sync for a while (a returning device syncs with the Syncer first). */
  gate?: PeerGate
  /**
   * A port to the documents worker (src/crdt/documents-worker): the documents of `inWorker` (the
   * chat's, the contact book's and the extensions' by default) are held there.
   */
  documentsWorker?: WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
  inWorker?: readonly WorkerFeature[]
  /** Features of the layers above run in the documents worker (the file index). */
  extensions?: readonly HostExtension[]
  /** The at-rest key `storage` seals with: lent to the documents worker, which stores its own. */
  vault?: AtRestLender
  /** An invite presented before the stack existed (see EarlyInvite): the join flow takes over. */
  earlyJoins?: EarlyJoins
  /** How long a stored workplace's root waits for a link to a member before it loads. */
  linkFirstMs?: number
  /** How long a workplace admitted into waits for its root to arrive (default 30 s). */
  rootWaitMs?: number
}): WorkplaceStack {
  // The repo consults the policy while it is being built, before Workplaces exists.
  const built: { workplaces?: Workplaces } = {}
  const policy = {
    mayExchange: (peer: PeerId, doc: string) => built.workplaces?.mayExchange(peer, doc) ?? false,
    mayPeer: (peer: PeerId) => built.workplaces?.mayPeer(peer) ?? false,
  }
  // Members linked while their workplace's root loads wait for it, as do the Syncer-first's.
  const loadingMembers = new LoadingMembers()
  // What pushes carried, so sync stays quiet while they carry a busy document (SyncHold).
  const pushed = new PushedChanges()
  const network = new MeshNetworkAdapter(
    options.mesh,
    policy,
    eitherGate(loadingMembers, options.gate),
    pushed,
  )
  // A catch-up of many changes is stored as a snapshot, so the next start loads it at once.
  const documents = options.storage
    ? new CompactingStorage(options.storage, (id) => {
        const handle = repo.handles[id as DocumentId]
        return handle?.isReady() ? handle.doc() : undefined
      })
    : undefined
  const repo: Repo = createMeshRepo({
    self: options.identity.peerId,
    network,
    policy,
    ...(documents ? { storage: documents } : {}),
  })
  // With a documents worker, its features' documents are made and held there only: two repos
  // syncing one document as the same peer would confuse every other member's sync state.
  const extensions = options.extensions ?? []
  const inWorker = new Set<WorkerFeature>(
    options.inWorker ?? ['chat', 'contacts', ...extensions.map((e) => e.feature)],
  )
  const heldThere = new Set<string>([
    ...(inWorker.has('chat') ? [CHAT_DOC_KIND] : []),
    ...(inWorker.has('contacts') ? [CONTACTS_DOC_KIND] : []),
    ...extensions.filter((e) => inWorker.has(e.feature)).flatMap((e) => [...e.kinds.keys()]),
  ])
  const kinds =
    options.kinds && options.documentsWorker
      ? new Map([...options.kinds].filter(([kind]) => !heldThere.has(kind)))
      : options.kinds
  // What each root's history readers read is kept beside the documents, for the next start.
  const origins = options.storage
    ? storageOriginsStore(options.storage, (doc) => repo.flush([doc as DocumentId]))
    : undefined
  const workplaces = new Workplaces({
    repo,
    ...(origins ? { origins } : {}),
    identity: options.identity,
    mesh: options.mesh,
    list: options.list,
    records: options.records,
    displayName: options.displayName,
    ...(kinds ? { kinds } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.linkFirstMs ? { linkFirstMs: options.linkFirstMs } : {}),
    ...(options.rootWaitMs ? { rootWaitMs: options.rootWaitMs } : {}),
    loadingMembers,
  })
  built.workplaces = workplaces
  workplaces.on('access', () => {
    network.refreshPeers()
    repo.shareConfigChanged()
  })
  const joins = new JoinFlow({
    workplaces,
    mesh: options.mesh,
    displayName: options.displayName,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.earlyJoins ? { early: options.earlyJoins } : {}),
  })
  const changes = new ChangePush({ mesh: options.mesh, policy, repo, pushed })
  const chats = options.documentsWorker
    ? new DocumentsWorkerHost({
        port: options.documentsWorker,
        network,
        changes,
        identity: options.identity,
        features: inWorker,
        extensions: extensions.filter((e) => inWorker.has(e.feature)),
        ...(options.vault ? { vault: options.vault } : {}),
        rawChannel: (peer) => options.mesh.openRawChannel?.(peer, DOCS_PUSH_LABEL),
      })
    : undefined
  return {
    repo,
    network,
    changes,
    workplaces,
    joins,
    ...(chats ? { chats } : {}),
    syncReport: (syncOf) =>
      collectSyncReport({
        mesh: options.mesh,
        repo,
        network,
        workplaces,
        ...(syncOf ? { syncOf } : {}),
        ...(chats ? { held: () => chats.heldDocuments(), pushPaths: () => chats.pushPaths() } : {}),
      }),
    async shutdown() {
      joins.close()
      await chats?.shutdown()
      changes.close()
      await origins?.flushed()
      await shutdownRepo(repo)
    },
  }
}
