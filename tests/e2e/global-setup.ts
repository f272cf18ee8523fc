import { createSignalingServer } from '../../signaling/server.ts'

/**
 * Serves the production build (dist/), the relay and the PeerJS broker from one in-process
 * server on a free port, like `npm start` does, and hands its URL to the tests as BASE_URL.
 * Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
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
