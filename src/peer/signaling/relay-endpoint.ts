import { createCarrierSignaling, type CarrierSignalingOptions } from './carrier-signaling.ts'
import type { SignalingEndpoint } from './failover-signaling.ts'
import { RelayCarrier, type RelayCarrierOptions } from './relay-carrier.ts'

/**
 * A relay as one endpoint of a failover signaling: WebRTC signalled over the relay. Its carrier
 * does not reconnect by itself; the failover decides where to go after a drop.
 */
export function relayEndpoint(
  relay: RelayCarrierOptions,
  signaling: CarrierSignalingOptions,
): SignalingEndpoint {
  return {
    name: `relay ${relay.url}`,
    kind: 'relay',
    create: () =>
      createCarrierSignaling(new RelayCarrier({ ...relay, reconnect: false }), signaling),
  }
}
