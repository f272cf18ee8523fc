import type { WorkplaceList } from '../crdt/workplace/workplace-list.ts'
import { createPeerSession, type PeerPlatform } from './peer-session.ts'
import type { ShellModel } from './shell-model.ts'
import type { Vault } from '../vault/vault.ts'

/**
 * Loads this device's identity and profile, connects, and starts the workplaces in the
 * background. The document layer (Automerge's JavaScript and wasm) starts downloading at once,
 * in parallel with the device's keys; `workplaceIndex` is read first, so the list can be painted
 * before it is ready.
 */
export async function createShell(
  platform: PeerPlatform & { workplaceIndex: WorkplaceList; vault: Vault },
): Promise<ShellModel> {
  const documentLayer = import('./start-workplaces.ts')
  const savedWorkplaces = platform.workplaceIndex
    .all()
    .then((entries) => entries.sort((a, b) => a.name.localeCompare(b.name)))
    .catch((error: unknown) => {
      console.warn('the list of workplaces could not be read', error)
      return []
    })
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
    }),
  )
  return {
    peerId: session.identity.peerId,
    profile: session.profile,
    connection: session.carrier,
    session,
    workplaces,
    savedWorkplaces,
  }
}
