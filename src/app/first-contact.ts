import type { Identity } from '../peer/identity/identity.ts'
import type { CarrierSignalingOptions } from '../peer/signaling/carrier-signaling.ts'
import { createCombinedSignaling } from '../peer/signaling/combined-signaling.ts'
import {
  createFailoverSignaling,
  type SignalingEndpoint,
} from '../peer/signaling/failover-signaling.ts'
import { createPeerJsSignaling, peerJsServerFromUrl } from '../peer/signaling/peerjs-signaling.ts'
import { relayEndpoint } from '../peer/signaling/relay-endpoint.ts'
import type { LoadedSettings } from './settings.ts'

export interface FirstContactArgs {
  settings: LoadedSettings
  /** Relay URLs in order of preference (the settings', else the app origin's). */
  relays: readonly string[]
  identity: Identity
  WebSocket: typeof WebSocket
  /** The page's URL: the broker of the same origin is the default one. */
  pageUrl: string
  options: CarrierSignalingOptions
}

/**
 * The first-contact signaling the settings ask for, as one endpoint to start: the relays
 * (tried in turn), the PeerJS broker, or both at once. With both, the device keeps its
 * presence on the relays and on the broker, so a device that reaches only one of them still
 * meets the members, who are on both (CombinedSignaling).
 */
export function firstContact(args: FirstContactArgs): SignalingEndpoint {
  const { settings, identity, options } = args
  const viaRelays = args.relays.map((url) =>
    relayEndpoint({ url, identity, WebSocket: args.WebSocket }, options),
  )
  const brokerUrl = settings.peerjs || new URL('/peerjs', args.pageUrl).href
  const viaBroker: SignalingEndpoint = {
    name: `peerjs ${brokerUrl}`,
    kind: 'peerjs',
    create: () =>
      createPeerJsSignaling({ ...options, identity, server: peerJsServerFromUrl(brokerUrl) }),
  }
  const inTurn = (endpoints: SignalingEndpoint[]): SignalingEndpoint => ({
    name: endpoints[0]!.name,
    kind: endpoints[0]!.kind,
    create: () => createFailoverSignaling({ endpoints }),
  })
  if (settings.firstContact === 'peerjs') return inTurn([viaBroker])
  if (settings.firstContact === 'relay') return inTurn(viaRelays)
  return {
    name: `${viaRelays[0]!.name} + ${viaBroker.name}`,
    kind: 'relay',
    create: () =>
      createCombinedSignaling([
        createFailoverSignaling({ endpoints: viaRelays }),
        createFailoverSignaling({ endpoints: [viaBroker] }),
      ]),
  }
}
