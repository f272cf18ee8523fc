import { DeviceProfile } from '../peer/identity/device-profile.ts'
import { createIdbKeyStore } from '../peer/identity/idb-key-store.ts'
import { loadOrCreateIdentity } from '../peer/identity/load-identity.ts'
import { RelayProbe } from './relay-probe.ts'
import { relayUrlFor } from './relay-url.ts'
import type { ShellModel } from './shell-model.ts'

/** The platform APIs the first screen needs, injected so nothing is built at import. */
export interface ShellPlatform {
  indexedDB: IDBFactory
  WebSocket: typeof WebSocket
  /** The page's URL; the relay of the same origin is the default endpoint. */
  pageUrl: string
}

/** Loads this device's identity and profile and starts watching the relay. */
export async function createShell(platform: ShellPlatform): Promise<ShellModel> {
  const store = await createIdbKeyStore({ indexedDB: platform.indexedDB })
  const [identity, profile] = await Promise.all([
    loadOrCreateIdentity(store),
    DeviceProfile.load(store),
  ])
  const connection = new RelayProbe({
    url: relayUrlFor(platform.pageUrl),
    identity,
    WebSocket: platform.WebSocket,
  })
  connection.start()
  return { peerId: identity.peerId, profile, connection }
}
