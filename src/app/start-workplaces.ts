import { forgetLeftContactLists } from './contact-lists.ts'
import { createIndexedDbContactListStore } from '../crdt/contacts/contact-list-store.ts'
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
import { createIndexedDbRecordStore } from '../crdt/membership/record-store.ts'
import { DirectService } from '../direct/direct-service.ts'
import { createIdbDirectStore } from '../direct/idb-direct-store.ts'
import { workplaceInvites } from '../direct/workplace-invites.ts'
import { createFilesService } from '../files/files-service.ts'
import { FilesWorkerClient } from './files-worker/files-worker-client.ts'
import { createIdbChunkStore } from '../files/idb-chunk-store.ts'
import { SealedStorageAdapter } from '../vault/sealed-storage-adapter.ts'
import { DOCUMENTS_DATABASE } from '../crdt/documents-worker/worker-storage.ts'
import { sealChunkStore } from '../vault/sealed-chunk-store.ts'
import type { Vault } from '../vault/vault.ts'
import { SyncerFirst } from '../crdt/sync/syncer-first.ts'
import { signalingReachability } from '../crdt/sync/reachability.ts'
import { createLocalConfirmedHeadsStore } from '../crdt/sync/confirmed-heads-store.ts'
import type { Workplace } from '../crdt/workplace/workplace.ts'
import type { WorkplaceList } from '../crdt/workplace/workplace-list.ts'
import { createWorkplaceStack } from '../crdt/workplace-stack.ts'
import type { PeerSession } from './peer-session.ts'
import { createBrowserNotifier } from '../crdt/chat/browser-notifier.ts'
import { WorkplacesApp } from './workplaces-app.ts'
import { startTrace } from '../lib/start-trace.ts'
import { DOCUMENT_KINDS } from './document-kinds.ts'
import type { WorkerFeature } from '../crdt/documents-worker/documents-worker-host.ts'
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from '../crdt/documents-worker/documents-worker-protocol.ts'
import { followChatSummaries } from './chat-summaries.ts'
import type { WorkplaceSummaries } from './workplace-summaries.ts'
import type { EarlyJoins } from '../crdt/workplace/early-invite.ts'
import { displayNameOf } from './display-name.ts'

/**
 * How long a stored workplace's root waits for a link to one of its members before loading:
 * the link's set-up then runs on a free main thread and the member's changes travel while the
 * root loads (the saved preview shows meanwhile). Off: with 700 ms, quiet paired runs of the
 * workplace bench's catch-up read 2323 and 2279 ms, against 1910 and 2488 ms without, no gain
 * to tell from noise, while every open with the members away would wait the whole time.
 */
const LINK_FIRST_MS = 0

/**
 * Builds the document layer (Automerge and its wasm: loaded after first paint) over the
 * session's mesh, and opens the workplaces stored on this device before any network work.
 */
export async function startWorkplaces(
  session: PeerSession,
  platform: {
    localStorage: Storage
    indexedDB: IDBFactory
    storageManager?: StorageManager
    appUrl: string
    document: Document
    /** The index of workplaces kept beside the documents (read before Automerge loads). */
    list: WorkplaceList
    /**
     * The at-rest key, when the storage lock is on: documents, file chunks and direct
     * conversations seal through it.
     */
    vault: Vault
    /** Starts the documents worker (the browser); without it the chat runs on this thread. */
    documentsWorker?: () => WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
    /** The features run in that worker (the chat's, the contact book's, the file index's by default). */
    inWorker?: readonly WorkerFeature[]
    /** Each workplace's last activity and unread count, kept up to date from its chat. */
    summaries?: WorkplaceSummaries
    /** The invite the page presented while this layer loaded (see EarlyInvite). */
    earlyJoins?: EarlyJoins
  },
): Promise<WorkplacesApp> {
  const displayName = () => displayNameOf(session)
  // The gate asks about workplaces before the stack that holds them exists.
  let memberOf: () => Workplace[] = () => []
  const syncerFirst = new SyncerFirst({
    self: session.identity.peerId,
    presence: session.meshPort.presence,
    workplaces: () => memberOf(),
  })
  const documents = new SealedStorageAdapter(
    new IndexedDBStorageAdapter(DOCUMENTS_DATABASE),
    platform.vault,
  )
  const chunks = sealChunkStore(
    await createIdbChunkStore({ indexedDB: platform.indexedDB }),
    platform.vault,
  )
  // The file index document is held in the documents worker too (the files' bytes stay here).
  const filesWorker = new FilesWorkerClient()
  const stack = createWorkplaceStack({
    identity: session.identity,
    mesh: session.meshPort,
    storage: documents,
    vault: platform.vault,
    list: platform.list,
    records: createIndexedDbRecordStore(),
    displayName,
    kinds: DOCUMENT_KINDS,
    gate: syncerFirst,
    linkFirstMs: LINK_FIRST_MS,
    ...(platform.earlyJoins ? { earlyJoins: platform.earlyJoins } : {}),
    ...(platform.documentsWorker ? { documentsWorker: platform.documentsWorker() } : {}),
    ...(platform.inWorker ? { inWorker: platform.inWorker } : {}),
    extensions: [filesWorker],
  })
  memberOf = () => stack.workplaces.list().filter((wp) => wp.isMember(wp.self))
  session.setAuthorizer((peer) => stack.workplaces.authorizeLink(peer))
  await stack.workplaces.load()
  startTrace('workplaces-loaded')
  session.profile.on('change', () => {
    for (const wp of stack.workplaces.list()) {
      if (wp.isMember(wp.self)) {
        wp.setProfileName(displayName()).catch((error: unknown) =>
          console.warn('display name not written', error),
        )
      }
    }
  })
  const files = await createFilesService({
    mesh: session.meshPort,
    indexedDB: platform.indexedDB,
    localStorage: platform.localStorage,
    ...(platform.storageManager ? { storageManager: platform.storageManager } : {}),
    store: chunks,
    ...(stack.chats?.features.has(filesWorker.feature)
      ? { openIndex: (wp) => filesWorker.open(stack.workplaces.get(wp.id)!) }
      : {}),
  })
  const directStore = await createIdbDirectStore({
    indexedDB: platform.indexedDB,
    vault: platform.vault,
  })
  const direct = await DirectService.open({
    identity: session.identity,
    profile: session.profile,
    mesh: session.meshPort,
    files: files.transfers,
    store: directStore,
  })
  // Each contact book's list as last read, shown while the book's document loads.
  const contactLists = createIndexedDbContactListStore(platform.vault)
  const app = new WorkplacesApp({
    stack,
    mesh: session.meshPort,
    reach: signalingReachability(session.connection, session.meshPort.presence),
    heads: createLocalConfirmedHeadsStore(platform.localStorage),
    appUrl: platform.appUrl,
    endpoints: () => session.endpoints(),
    notifier: createBrowserNotifier({
      Notification: globalThis.Notification,
      document: platform.document,
    }),
    isHidden: () => platform.document.visibilityState === 'hidden',
    files,
    direct,
    syncerFirst,
    sealed: [
      stack.chats ? stack.chats.resealing(documents) : documents,
      chunks,
      directStore,
      contactLists,
      ...(platform.summaries ? [platform.summaries] : []),
    ],
    contactLists,
  })
  direct.invites.setWorkplaces(workplaceInvites(app))
  if (platform.summaries) followChatSummaries(app, platform.summaries)
  forgetLeftContactLists(app, contactLists)
  return app
}
