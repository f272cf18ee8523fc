/**
 * A PeerJS pipe that closes tells its peer (FIN) before its connection closes. Closed at once,
 * the peer's channel closes on wrtc's own thread while the peer may still be sending on it,
 * which crashes a Node process (SIGSEGV in RTCDataChannel::Send): the signaling contract's
 * teardown, closing both ends of each pipe in turn, did so about one run in three.
 */
import wrtc from '@roamhq/wrtc'
import { afterEach, expect, it, vi } from 'vitest'
import { createSignalingServer, type SignalingServer } from '../../signaling/server.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerJsSignaling,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'
import { GOODBYE_TIMEOUT_MS } from '../../src/peer/transport/pipe-goodbye.ts'
import { until } from '../contract/fixtures.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { stubPeerJsGlobals } from './peerjs-node-globals.ts'

stubPeerJsGlobals()

/** When each connection's close() was called, in creation order. */
const closedAt: (number | undefined)[] = []
class WatchedPeerConnection extends wrtc.RTCPeerConnection {
  readonly #index = closedAt.push(undefined) - 1
  override close(): void {
    closedAt[this.#index] ??= performance.now()
    super.close()
  }
}
vi.stubGlobal('RTCPeerConnection', WatchedPeerConnection)

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
let server: SignalingServer | undefined
const adapters: PeerJsSignaling[] = []

afterEach(async () => {
  for (const adapter of adapters.splice(0)) adapter.close()
  await server?.close()
})

async function pipePair(): Promise<[DataPipe, DataPipe]> {
  server = await createSignalingServer({ port: 0, logger: quiet })
  const broker = peerJsServerFromUrl(new URL('peerjs', server.address.url).href)
  const [a, b] = await Promise.all(
    [0, 1].map(async () => {
      const identity = await createTestIdentity()
      const adapter = createPeerJsSignaling({
        self: identity.peerId,
        identity,
        server: broker,
        iceServers: [],
        connectTimeoutMs: 5000,
        discoveryIntervalMs: 200,
        loadPeer: async () => (await import('peerjs')).Peer,
      })
      adapters.push(adapter)
      return { id: identity.peerId, adapter }
    }),
  )
  await until(
    () => a!.adapter.state === 'open' && b!.adapter.state === 'open',
    'both on the broker',
  )
  const incoming = new Promise<DataPipe>((resolve) =>
    b!.adapter.on('pipe', ({ pipe }) => resolve(pipe)),
  )
  const outgoing = await a!.adapter.connect(b!.id)
  return [outgoing, await incoming]
}

it('keeps its connection open until the peer has heard FIN and stopped sending', async () => {
  const [near, far] = await pipePair()
  const farClosed = new Promise<{ reason: string; at: number }>((resolve) =>
    far.on('close', ({ reason }) => resolve({ reason, at: performance.now() })),
  )
  const start = performance.now()
  near.close('test over')
  const heard = await farClosed
  expect(heard.reason).toBe('the peer closed the channel')
  // Setting up may have closed a connection before; none closed between the close and FIN.
  const since = () => closedAt.filter((at) => at !== undefined && at >= start) as number[]
  for (const at of since()) expect(at).toBeGreaterThanOrEqual(heard.at)
  // The far end answers FIN and closes its connection; the near one closes on that answer,
  // well before it would give up waiting for it.
  await until(() => since().length === 2, 'both ends to close their connections', 5000)
  for (const at of since()) expect(at).toBeGreaterThanOrEqual(heard.at)
  expect(Math.max(...since()) - start).toBeLessThan(GOODBYE_TIMEOUT_MS)
})
