import { silentLogger } from '../../signaling/config.ts'
import {
  createSignalingServer,
  type SignalingServer,
  type SignalingServerOptions,
} from '../../signaling/server.ts'
import { RelayTestClient, type ClientOptions } from './relay-test-client.ts'

// One relay per test, in process, and the clients the test opened. Vitest isolates test files,
// so each file has its own; call `stopRelay` from afterEach.
let server: SignalingServer | undefined

/** Clients closed by `stopRelay`; a test adds any it opened by other means. */
export const relayClients: RelayTestClient[] = []

/** Starts the relay (no PeerJS broker, no logging) for this test. */
export async function startRelay(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  server = await createSignalingServer({ logger: silentLogger, peerjs: false, ...options })
  return server
}

/** The relay this test started. */
export function relay(): SignalingServer {
  if (!server) throw new Error('startRelay() first')
  return server
}

/** An authenticated client of the relay. */
export async function connectClient(options: ClientOptions = {}): Promise<RelayTestClient> {
  const client = await RelayTestClient.connect(relay().relayUrl, options)
  relayClients.push(client)
  return client
}

/** A client that has opened its socket but not authenticated. */
export async function openClient(options: ClientOptions = {}): Promise<RelayTestClient> {
  const client = await RelayTestClient.open(relay().relayUrl, options)
  relayClients.push(client)
  return client
}

/** Closes the test's clients and its relay. */
export async function stopRelay(): Promise<void> {
  for (const client of relayClients.splice(0)) client.close()
  await server?.close()
  server = undefined
}
