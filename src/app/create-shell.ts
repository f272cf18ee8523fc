import type { WorkplaceList } from '../crdt/workplace/workplace-list.ts'
import { createPeerSession, type PeerPlatform } from './peer-session.ts'
import type { ShellModel } from './shell-model.ts'
import type { Vault } from '../vault/vault.ts'
import type {
  ChatPort,
  FromChatWorker,
  ToChatWorker,
} from '../crdt/chat-worker/chat-worker-protocol.ts'
import type { WorkplaceSummaries } from './workplace-summaries.ts'

/**
 * Loads this device's identity and profile, connects, and starts the workplaces in the
 * background. The document layer (Automerge's JavaScript and wasm, whose compiling and document
 * loading keep the main thread busy for a while) is fetched once `documentsAfter` resolves, so
 * the caller can paint the list from `workplaceIndex` first.
 */
export async function createShell(
  platform: PeerPlatform & {
    workplaceIndex: WorkplaceList
    vault: Vault
    summaries?: WorkplaceSummaries
    documentsAfter?: Promise<unknown>
    /** Starts the chat worker (see src/crdt/chat-worker). */
    chatWorker?: () => ChatPort<FromChatWorker, ToChatWorker>
  },
): Promise<ShellModel> {
  const documentLayer = (platform.documentsAfter ?? Promise.resolve()).then(() =>
    import('./document-layer.ts').then((layer) => layer.loadDocumentLayer(platform.document)),
  )
  const session = await createPeerSession(platform)
  const appUrl = new URL('./', platform.pageUrl).href
  const workplaces = documentLayer.then(({ startWorkplaces }) =>
    startWorkplaces(session, {
      localStorage: platform.localStorage,
      indexedDB: platform.indexedDB,
      ...(platform.storageManager ? { storageManager: platform.storageManager } : {}),
      appUrl,
      document: platform.document,
      list: platform.workplaceIndex,
      vault: platform.vault,
      ...(platform.chatWorker ? { chatWorker: platform.chatWorker } : {}),
      ...(platform.summaries ? { summaries: platform.summaries } : {}),
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
