import { createSignalingServer } from '../../signaling/server.ts'
import { ensureTurnserver } from '../support/coturn.ts'

/**
 * Serves the production build (dist/), the relay and the PeerJS broker from one in-process
 * server on a free port, like `npm start` does, and hands its URL to the tests as BASE_URL.
 * Returns the teardown. Installs coturn first when it is missing and we are root.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  // Installed here, once, so that two TURN specs starting at once do not race for dpkg's lock.
  ensureTurnserver()
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: 'dist',
    peerjs: true,
  })
  process.env.BASE_URL = server.address.url
  console.info(`e2e: app and relay at ${server.address.url}`)
  return () => server.close()
}
