/**
 * A test page for the signaling adapters in a real browser: one adapter per page, driven by
 * tests/e2e/signaling-adapters.spec.ts through `window.signalingDriver`.
 */
import type { PeerId, Topic } from '../../src/peer/ids.ts'
import { createTestIdentity } from '../support/test-identity.ts'
import { createBroadcastCarrier } from '../../src/peer/signaling/broadcast-carrier.ts'
import { createCarrierSignaling } from '../../src/peer/signaling/carrier-signaling.ts'
import {
  createManualSignaling,
  type ManualSignaling,
} from '../../src/peer/signaling/manual-signaling.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
} from '../../src/peer/signaling/peerjs-signaling.ts'
import type { Signaling } from '../../src/peer/signaling/signaling.ts'
import type { DataPipe } from '../../src/peer/transport/pipe.ts'

type Kind = 'broadcast' | 'peerjs' | 'manual'

let signaling: Signaling | undefined
let manual: ManualSignaling | undefined
const pipes = new Map<string, DataPipe>()
const inbox = new Map<string, number[][]>()

function keep(peer: PeerId, pipe: DataPipe): void {
  pipes.set(peer, pipe)
  inbox.set(peer, [])
  pipe.on('message', (data) => inbox.get(peer)?.push([...data]))
}

function pipeTo(peer: string): DataPipe {
  const pipe = pipes.get(peer)
  if (!pipe) throw new Error(`no pipe to ${peer}`)
  return pipe
}

const driver = {
  /** Starts this page's adapter with a fresh identity; returns its peer ID. */
  async start(kind: Kind, peerJsUrl?: string): Promise<PeerId> {
    const identity = await createTestIdentity()
    const self = identity.peerId
    const common = { self, iceServers: [], connectTimeoutMs: 10_000 }
    if (kind === 'broadcast') {
      const carrier = createBroadcastCarrier({
        self,
        channelName: 'signaling-test',
        heartbeatMs: 200,
      })
      signaling = createCarrierSignaling(carrier, common)
    } else if (kind === 'peerjs') {
      const server = peerJsServerFromUrl(peerJsUrl!)
      signaling = createPeerJsSignaling({
        ...common,
        identity,
        server,
        discoveryIntervalMs: 200,
      })
    } else {
      signaling = manual = createManualSignaling(common)
    }
    signaling.on('pipe', ({ peer, pipe }) => keep(peer, pipe))
    return self
  },
  state: () => signaling!.state,
  join: (topic: string) => signaling!.join(topic as Topic),
  peers: (topic: string) => [...signaling!.peers(topic as Topic)],
  async connect(peer: string): Promise<void> {
    keep(peer as PeerId, await signaling!.connect(peer as PeerId))
  },
  hasPipe: (peer: string) => pipes.get(peer)?.isOpen ?? false,
  fingerprints: (peer: string) => ({ ...pipeTo(peer).fingerprints }),
  send: (peer: string, bytes: number[]) => pipeTo(peer).send(Uint8Array.from(bytes)),
  received: (peer: string) => inbox.get(peer) ?? [],
  createOffer: () => manual!.createOffer(),
  acceptOffer: (code: string) => manual!.acceptOffer(code),
  acceptAnswer: (code: string) => manual!.acceptAnswer(code),
  close: () => signaling?.close(),
}

declare global {
  interface Window {
    signalingDriver: typeof driver
  }
}

window.signalingDriver = driver
