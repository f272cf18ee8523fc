import type { Identity } from '../peer/identity/identity.ts'
import type { CarrierSignalingOptions } from '../peer/signaling/carrier-signaling.ts'
import { createCombinedSignaling } from '../peer/signaling/combined-signaling.ts'
import {
  createFailoverSignaling,
  type SignalingEndpoint,
} from '../peer/signaling/failover-signaling.ts'
import {
  createPeerJsSignaling,
  peerJsServerFromUrl,
  type PeerJsSignaling,
} from '../peer/signaling/peerjs-signaling.ts'
import { relayEndpoint } from '../peer/signaling/relay-endpoint.ts'
import type { LoadedSettings } from './settings.ts'

/**
 * How often the broker's peer lists are read while a relay is open (each read is a request
 * per topic: at 3 s two idle devices cost ~146 KB a minute, against 0.3 KB on the relay alone),
 * and while the broker is all this device reaches.
 */
const BACKGROUND_DISCOVERY_MS = 60_000
const FOREGROUND_DISCOVERY_MS = 3000

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
  const broker = (
    discoveryIntervalMs?: () => number,
    made?: (signaling: PeerJsSignaling) => void,
  ): SignalingEndpoint => ({
    name: `peerjs ${brokerUrl}`,
    kind: 'peerjs',
    create: () => {
      const signaling = createPeerJsSignaling({
        ...options,
        identity,
        server: peerJsServerFromUrl(brokerUrl),
        ...(discoveryIntervalMs ? { discoveryIntervalMs } : {}),
      })
      made?.(signaling)
      return signaling
    },
  })
  const viaBroker = broker()
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
    create: () => {
      const relays = createFailoverSignaling({ endpoints: viaRelays })
      // While a relay is open, the broker only keeps this device findable (its registrations);
      // a device that reaches only the broker reads its peer lists often, finds us and dials.
      const discovery = () =>
        relays.state === 'open' ? BACKGROUND_DISCOVERY_MS : FOREGROUND_DISCOVERY_MS
      let current: PeerJsSignaling | undefined
      relays.on('state', (state) => state !== 'open' && current?.discoverNow())
      return createCombinedSignaling([
        relays,
        createFailoverSignaling({ endpoints: [broker(discovery, (made) => (current = made))] }),
      ])
    },
  }
}
