import { test as base } from '@playwright/test'
import { createServer } from 'vite'
import { createSignalingServer, type SignalingServer } from '../../../signaling/server.ts'

/**
 * The harness pages (tests/harness) served by Vite from source, and a relay with the PeerJS
 * broker in process, both on free ports on loopback.
 */
export interface TestServer {
  /** The address of a page in tests/harness, e.g. `pageUrl('direct-page.html')`. */
  pageUrl(page: string): string
  /** The relay (and broker); it answers the pages' origin too. */
  readonly relay: SignalingServer
  /**
   * The relay's broker (http://…/peerjs). Pages served by Vite default to their own origin's
   * /peerjs, which Vite proxies to `npm run relay`'s port, not to this relay.
   */
  readonly brokerUrl: string
  close(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const vite = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
  })
  await vite.listen()
  const origin = vite.resolvedUrls?.local[0]
  if (!origin) {
    await vite.close()
    throw new Error('Vite serves the harness pages on no local address')
  }
  // The pages are on another origin than the broker: its peer list answers only listed origins.
  const relay = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    allowedOrigins: [new URL(origin).origin],
  })
  return {
    pageUrl: (page) => new URL(`tests/harness/${page}`, origin).href,
    relay,
    brokerUrl: new URL('peerjs', relay.address.url).href,
    async close() {
      await vite.close()
      await relay.close()
    },
  }
}

/**
 * Playwright's `test` with `testServer`: started once per worker (not per spec file) and
 * closed when the worker ends.
 */
export const test = base.extend<object, { testServer: TestServer }>({
  testServer: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a fixture uses from this pattern
    async ({}, use) => {
      const server = await startTestServer()
      try {
        await use(server)
      } finally {
        await server.close()
      }
    },
    { scope: 'worker' },
  ],
})

export { expect } from '@playwright/test'
