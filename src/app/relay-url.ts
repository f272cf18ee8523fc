import { relayUrlForOrigin } from '../peer/signaling/relay-protocol.ts'

/** The relay's WebSocket URL on the app's own origin (ws: for http:, wss: for https:). */
export function relayUrlFor(pageUrl: string, path = '/relay'): string {
  return relayUrlForOrigin(pageUrl, path)
}
