import type { IceSource } from '../../app/ice-source.ts'
import type { Mesh } from '../../peer/mesh/mesh.ts'
import type { PeerId, Topic } from '../../peer/ids.ts'
import type { SignalingState } from '../../peer/signaling/signaling.ts'

/** What the diagnostics screen reads; a PeerSession has all of it. */
export interface DiagnosticsSource {
  mesh: Pick<
    Mesh,
    'on' | 'links' | 'linkedPeers' | 'neighbours' | 'groups' | 'reachable' | 'onLinkChange'
  >
  /** The first-contact signaling in use (with failover): its state, endpoint and presence. */
  signaling: {
    readonly state: SignalingState
    readonly endpoint: string
    peers(topic: Topic): readonly PeerId[]
    on(event: 'state', listener: (state: SignalingState) => void): () => void
  }
  /** The STUN/TURN servers new connections use, and where they come from. */
  ice: Pick<IceSource, 'current' | 'origin' | 'problem'>
}
