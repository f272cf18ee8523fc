import type * as PeerSession from './peer-session.ts'

/**
 * Loads the peer layer in two tasks, so the main thread is not held long in one piece on a slow
 * phone: first simple-peer with the Node built-ins it needs (buffer, stream, events, process:
 * the larger part to evaluate), then, after a yield to the browser, the session's own code.
 * `atOnce` (someone is waiting to join): all of it fetched in parallel and evaluated together.
 */
export async function loadPeerLayer(
  options: { atOnce?: boolean } = {},
): Promise<typeof PeerSession.createPeerSession> {
  if (options.atOnce) return (await import('./peer-session.ts')).createPeerSession
  await import('simple-peer')
  await new Promise<void>((resolve) => setTimeout(resolve, 0))
  return (await import('./peer-session.ts')).createPeerSession
}
