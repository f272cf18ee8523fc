/**
 * A page for bench/peer.bench.ts: one device's peer session exactly as the app builds it
 * (createPeerSession: relay, mesh, presence; a Syncer per group), plus a bare RTCPeerConnection
 * through the same relay (under a second identity: one relay connection per peer ID) for
 * comparison. Times are wall-clock milliseconds (timeOrigin + now), comparable across pages of
 * one machine. The relay is set in localStorage settings before load. Driven through
 * `window.peerBench`.
 */
import type { PeerId, Topic } from '../src/peer/ids.ts'
import { createPeerSession, type PeerSession } from '../src/app/peer-session.ts'
import type { Identity } from '../src/peer/identity/identity.ts'
import { createMemoryKeyStore } from '../src/peer/identity/key-store.ts'
import { loadOrCreateIdentity } from '../src/peer/identity/load-identity.ts'
import { syncerPresence } from '../src/peer/mesh/syncer.ts'
import { createRelayCarrier, type RelayCarrier } from '../src/peer/signaling/relay-carrier.ts'

const now = () => performance.timeOrigin + performance.now()

let session: PeerSession
/** The bare connection's own identity and relay connection. */
let identity: Identity
let carrier: RelayCarrier
const present = new Map<string, number>()
const linked = new Map<string, number>()
const bareOpen = new Map<string, number>()
const syncers: { syncer: PeerId; at: number }[] = []
let currentSyncer: () => string = () => ''
const bare = new Map<string, RTCPeerConnection>()
const linkDowns: { peer: string; reason: string; at: number }[] = []

function presentKey(topic: string, peer: string): string {
  return `${topic}/${peer}`
}

/** Signals of the bare connection travel in this shape beside the peer layer's envelopes. */
interface BareSignal {
  bare: 'offer' | 'answer' | 'ice'
  payload: unknown
}

function isBareSignal(value: unknown): value is BareSignal {
  return typeof value === 'object' && value !== null && 'bare' in value
}

function barePeer(other: PeerId): RTCPeerConnection {
  let pc = bare.get(other)
  if (pc) return pc
  pc = new RTCPeerConnection({ iceServers: [] })
  bare.set(other, pc)
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) carrier.send(other, { bare: 'ice', payload: candidate.toJSON() })
  }
  const watch = (channel: RTCDataChannel) => {
    channel.onopen = () => bareOpen.set(other, now())
  }
  pc.ondatachannel = ({ channel }) => watch(channel)
  return Object.assign(pc, { watch })
}

async function onBareSignal(from: PeerId, signal: BareSignal): Promise<void> {
  const pc = barePeer(from)
  if (signal.bare === 'ice') {
    await pc.addIceCandidate(signal.payload as RTCIceCandidateInit)
  } else if (signal.bare === 'offer') {
    await pc.setRemoteDescription(signal.payload as RTCSessionDescriptionInit)
    await pc.setLocalDescription(await pc.createAnswer())
    carrier.send(from, { bare: 'answer', payload: pc.localDescription!.toJSON() })
  } else {
    await pc.setRemoteDescription(signal.payload as RTCSessionDescriptionInit)
  }
}

const driver = {
  /** Starts the app's session and the bare side; resolves with [session ID, bare ID]. */
  async start(relayUrl: string): Promise<[PeerId, PeerId]> {
    session = await createPeerSession({
      indexedDB,
      WebSocket,
      localStorage,
      document,
      pageUrl: location.href,
    })
    session.connection.on('peer-joined', ({ topic, peer }) => {
      present.set(presentKey(topic, peer), now())
    })
    session.mesh.on('link-up', ({ peer }) => linked.set(peer, now()))
    session.mesh.on('link-down', ({ peer, reason }) => linkDowns.push({ peer, reason, at: now() }))
    identity = await loadOrCreateIdentity(createMemoryKeyStore())
    carrier = createRelayCarrier({ url: relayUrl, identity })
    carrier.on('peer-joined', ({ topic, peer }) => present.set(presentKey(topic, peer), now()))
    carrier.on('signal', ({ from, data }) => {
      if (isBareSignal(data)) void onBareSignal(from, data)
    })
    await Promise.all(
      [carrier, session.connection].map(
        (source) =>
          new Promise<void>((resolve) => {
            if (source.state === 'open') resolve()
            else source.on('state', (state) => state === 'open' && resolve())
          }),
      ),
    )
    return [session.identity.peerId, identity.peerId]
  },
  /** Joins a topic as the app does for a workplace, wanting links to `members`. */
  joinGroup(group: string, members: readonly string[]): void {
    const port = syncerPresence(session.identity.peerId, session.presence)
    let last = port.syncer(group)
    port.onOnlineChange((changed) => {
      const current = port.syncer(group)
      if (changed !== group || current === last) return
      last = current
      syncers.push({ syncer: current, at: now() })
    })
    currentSyncer = () => port.syncer(group)
    session.mesh.setGroup(group, members as readonly PeerId[])
    session.mesh.join(group as Topic)
  },
  /** Joins a topic on the relay alone; the lower peer ID then opens a bare data channel. */
  bareJoin(topic: string, other: string): void {
    if (identity.peerId < other) {
      carrier.on('peer-joined', (event) => {
        if (event.topic !== topic || event.peer !== other) return
        const pc = barePeer(other as PeerId) as RTCPeerConnection & {
          watch(c: RTCDataChannel): void
        }
        pc.watch(pc.createDataChannel('bare'))
        void pc.createOffer().then(async (offer) => {
          await pc.setLocalDescription(offer)
          carrier.send(other as PeerId, { bare: 'offer', payload: pc.localDescription!.toJSON() })
        })
      })
    }
    carrier.join(topic as Topic)
  },
  /** When this page learnt that `peer` is in `topic`, and when it had a link / channel open. */
  times: (topic: string, peer: string) => ({
    present: present.get(presentKey(topic, peer)) ?? 0,
    linked: linked.get(peer) ?? 0,
    bareOpen: bareOpen.get(peer) ?? 0,
  }),
  /** The Syncer changes this page saw, in order. */
  syncers: () => [...syncers],
  syncer: () => currentSyncer(),
  /** Links that went down, with why and when. */
  linkDowns: () => [...linkDowns],
  linkedPeers: () => [...session.mesh.linkedPeers()],
}

declare global {
  interface Window {
    peerBench: typeof driver
  }
}

window.peerBench = driver
