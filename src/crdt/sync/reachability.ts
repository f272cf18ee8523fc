import type { SignalingState } from '../../peer/signaling/signaling.ts'
import type { PeerPresence } from '../../peer/mesh/mesh-port.ts'

/**
 * Whether this device has any way to reach other devices right now: a first-contact signaling
 * connection or an open link. "Offline" in a workplace's sync status needs this to be false.
 */
export interface ReachabilityPort {
  reachable(): boolean
  onChange(handler: () => void): () => void
}

/** Reachability from the signaling connection's state and the open links. */
export function signalingReachability(
  connection: {
    readonly state: SignalingState
    on(event: 'state', listener: (state: SignalingState) => void): () => void
  },
  links: Pick<PeerPresence, 'linkedPeers' | 'onLinkChange'>,
): ReachabilityPort {
  return {
    reachable: () => connection.state === 'open' || links.linkedPeers().length > 0,
    onChange(handler) {
      const offs = [connection.on('state', () => handler()), links.onLinkChange(() => handler())]
      return () => offs.forEach((off) => off())
    },
  }
}

/** A reachability a test (or a device with no network layer) sets by hand. */
export function createManualReachability(initial = true): ReachabilityPort & {
  set(reachable: boolean): void
} {
  let value = initial
  const handlers = new Set<() => void>()
  return {
    reachable: () => value,
    onChange(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    set(next) {
      if (next === value) return
      value = next
      for (const handler of handlers) handler()
    },
  }
}
