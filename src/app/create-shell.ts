import { createPeerSession, type PeerPlatform } from './peer-session.ts'
import type { ShellModel } from './shell-model.ts'

/** Loads this device's identity and profile, connects, and starts the workplaces in the background. */
export async function createShell(platform: PeerPlatform): Promise<ShellModel> {
  const session = await createPeerSession(platform)
  const appUrl = new URL('./', platform.pageUrl).href
  const workplaces = import('./start-workplaces.ts').then(({ startWorkplaces }) =>
    startWorkplaces(session, {
      localStorage: platform.localStorage,
      indexedDB: platform.indexedDB,
      ...(platform.storageManager ? { storageManager: platform.storageManager } : {}),
      appUrl,
      document: platform.document,
    }),
  )
  return {
    peerId: session.identity.peerId,
    profile: session.profile,
    connection: session.carrier,
    session,
    workplaces,
  }
}
