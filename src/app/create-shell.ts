import type { WorkplaceList } from '../crdt/workplace/workplace-list.ts'
import type { PeerPlatform } from './peer-session.ts'
import type { ShellModel } from './shell-model.ts'
import type { Vault } from '../vault/vault.ts'
import type { WorkerFeature } from '../crdt/documents-worker/documents-worker-host.ts'
import type {
  WorkerPort,
  FromDocumentsWorker,
  ToDocumentsWorker,
} from '../crdt/documents-worker/documents-worker-protocol.ts'
import type { WorkplaceSummaries } from './workplace-summaries.ts'
import { startTrace } from '../lib/start-trace.ts'
import { displayNameOf } from './display-name.ts'

/**
 * Loads this device's identity and profile, connects (the peer layer loads once `networkAfter`
 * resolves), and starts the workplaces in the background. The document layer (Automerge's JavaScript and wasm, whose compiling and document
 * loading keep the main thread busy for a while) is fetched once `documentsAfter` resolves, so
 * the caller can paint the list from `workplaceIndex` first.
 */
export async function createShell(
  platform: PeerPlatform & {
    workplaceIndex: WorkplaceList
    vault: Vault
    summaries?: WorkplaceSummaries
    documentsAfter?: Promise<unknown>
    /**
     * The peer layer (WebRTC, simple-peer and the Node polyfills it needs: about half of the
     * start-up script) is fetched once this resolves, so the list can paint without it.
     */
    networkAfter?: Promise<unknown>
    /**
     * The workplace link (an invite, or a link to ask) the page was opened from: its members
     * are dialled as soon as the device is on the network, while the document layer (about
     * 0.8 MB of wasm on a first visit) still downloads, so the join flow finds them linked.
     */
    openedLink?: string
    /** Starts the documents worker (see src/crdt/documents-worker). */
    documentsWorker?: () => WorkerPort<FromDocumentsWorker, ToDocumentsWorker>
    /** The features run in that worker (the chat's and the contact book's by default). */
    inWorker?: readonly WorkerFeature[]
  },
): Promise<ShellModel> {
  const link = platform.openedLink
  // Someone waits to join: the wasm, most of the bytes ahead, downloads from now on (the tiny
  // module that knows its URL is kept out of the first paint's scripts).
  if (link) void import('./wasm-preload.ts').then((m) => m.preloadAutomergeWasm(platform.document))
  const documentLayer = (platform.documentsAfter ?? Promise.resolve()).then(() =>
    import('./document-layer.ts').then((layer) =>
      layer.loadDocumentLayer(platform.document, { atOnce: platform.openedLink !== undefined }),
    ),
  )
  void documentLayer.then(() => startTrace('document-layer'))
  const reach = link
    ? Promise.all([
        import('../crdt/workplace/invite-link.ts'),
        import('../crdt/workplace/link-members.ts'),
        import('../crdt/workplace/early-invite.ts'),
      ])
    : undefined
  await platform.networkAfter
  startTrace('network-start')
  const session = await import('./peer-layer.ts').then((layer) =>
    layer
      .loadPeerLayer({ atOnce: link !== undefined })
      .then((createPeerSession) => createPeerSession(platform)),
  )
  startTrace('peer-session')
  // The link's members are dialled, and its invite presented to them as soon as each link is
  // up: by the time the documents can be fetched, a member has admitted this device.
  const early =
    link && reach
      ? reach
          .then(([{ decodeWorkplaceLink }, { reachLinkMembers }, { EarlyInvite }]) => {
            const decoded = decodeWorkplaceLink(link)
            reachLinkMembers(session.meshPort, decoded)
            return decoded.invite
              ? new EarlyInvite(session.meshPort, decoded, () => displayNameOf(session))
              : undefined
          })
          // A damaged link is the workplace screen's to report; here it is simply not followed.
          .catch(() => undefined)
      : Promise.resolve(undefined)
  const appUrl = new URL('./', platform.pageUrl).href
  const workplaces = Promise.all([documentLayer, early]).then(([{ startWorkplaces }, earlyJoins]) =>
    startWorkplaces(session, {
      localStorage: platform.localStorage,
      indexedDB: platform.indexedDB,
      ...(platform.storageManager ? { storageManager: platform.storageManager } : {}),
      appUrl,
      document: platform.document,
      list: platform.workplaceIndex,
      vault: platform.vault,
      ...(platform.documentsWorker ? { documentsWorker: platform.documentsWorker } : {}),
      ...(platform.inWorker ? { inWorker: platform.inWorker } : {}),
      ...(platform.summaries ? { summaries: platform.summaries } : {}),
      ...(earlyJoins ? { earlyJoins } : {}),
    }),
  )
  return {
    peerId: session.identity.peerId,
    profile: session.profile,
    connection: session.carrier,
    network: { mesh: session.mesh, signaling: session.connection, ice: session.ice },
    pairing: session.pairing,
    workplaces,
    close: () => session.close(),
  }
}
